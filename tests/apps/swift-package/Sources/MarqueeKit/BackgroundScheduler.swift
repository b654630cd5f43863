import BackgroundTasks
import Foundation

public enum BackgroundScheduler {
    public static func scheduleRefresh(_ identifier: String = TaskIdentifier.refresh.rawValue,
                                       after delay: TimeInterval = Schedule.refreshDelay) {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date().addingTimeInterval(delay)
        try? BGTaskScheduler.shared.submit(request)
    }

    public static func scheduleStudy() {
        let request = BGHealthResearchTaskRequest(identifier: TaskIdentifier.study.rawValue)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 60 * 60)
        request.protectionTypeOfRequiredData = .completeUnlessOpen
        request.requiresNetworkConnectivity = true
        try? BGTaskScheduler.shared.submit(request)
    }
}
