import BackgroundTasks
import Foundation

final class Scheduler {
    static let shared = Scheduler()
    static let refreshID = "io.cocoabytes.showtimes.refresh"
    static let prefetchID = "io.cocoabytes.showtimes.prefetch"

    func scheduleRefresh() {
        let request = BGAppRefreshTaskRequest(identifier: Self.refreshID)
        request.earliestBeginDate = Calendar.current.date(byAdding: .minute, value: 5, to: Date())
        try? BGTaskScheduler.shared.submit(request)
    }

    func schedulePrefetch() {
        let request = BGProcessingTaskRequest(identifier: Self.prefetchID)
        request.earliestBeginDate = nil
        request.requiresNetworkConnectivity = true
        try? BGTaskScheduler.shared.submit(request)
    }

    func handleRefresh(task: BGAppRefreshTask) {
        scheduleRefresh()
        task.expirationHandler = {
            ShowtimesAPI.shared.cancelAll()
        }
        fetchShowtimes { result in
            switch result {
            case .success:
                task.setTaskCompleted(success: true)
            case .failure(let error):
                if error.isTransient {
                    return  // retried on the next refresh, but this task never completes
                }
                task.setTaskCompleted(success: false)
            }
        }
    }

    private func fetchShowtimes(completion: @escaping (Result<Void, ShowtimesError>) -> Void) {
        ShowtimesAPI.shared.fetch(completion: completion)
    }
}
