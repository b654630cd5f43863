import BackgroundTasks
import Foundation

enum RefreshPlanner {
    /// Chosen by the user in Settings: not known until the app runs.
    static var interval: TimeInterval { UserDefaults.standard.double(forKey: "refreshInterval") }

    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: TaskIDs.refresh)
        request.earliestBeginDate = Date(timeIntervalSinceNow: interval)
        try? BGTaskScheduler.shared.submit(request)
    }
}

enum IndexPlanner {
    static func schedule() {
        let request = BGProcessingTaskRequest(identifier: TaskIDs.index)
        request.earliestBeginDate = .now + 6 * 60 * 60
        request.requiresExternalPower = true
        try? BGTaskScheduler.shared.submit(request)
    }
}
