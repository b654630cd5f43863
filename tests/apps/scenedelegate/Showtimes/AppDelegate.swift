import BackgroundTasks
import UIKit

@main
class AppDelegate: UIResponder, UIApplicationDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Scheduler.refreshID, using: nil) { task in
            Scheduler.shared.handleRefresh(task: task as! BGAppRefreshTask)
        }
        return true
    }
}
