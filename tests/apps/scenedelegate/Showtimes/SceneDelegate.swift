import BackgroundTasks
import UIKit

// Scenes: the prefetch handler is registered when a scene connects, after launch finished
// (a crash through iOS 18), and the refresh is submitted whenever the scene becomes active,
// but only when none is pending.
class SceneDelegate: UIResponder, UIWindowSceneDelegate {
    var window: UIWindow?
    private var observer: NSObjectProtocol?

    func scene(_ scene: UIScene, willConnectTo session: UISceneSession,
               options connectionOptions: UIScene.ConnectionOptions) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Scheduler.prefetchID, using: nil) { task in
            task.expirationHandler = {
                Prefetcher.shared.stop()
            }
            Prefetcher.shared.run {
                task.setTaskCompleted(success: true)
            }
        }
        observer = NotificationCenter.default.addObserver(
            forName: UIApplication.didEnterBackgroundNotification, object: nil, queue: .main
        ) { _ in
            Scheduler.shared.schedulePrefetch()
        }
    }

    func sceneDidBecomeActive(_ scene: UIScene) {
        BGTaskScheduler.shared.getPendingTaskRequests { requests in
            if !requests.contains(where: { $0.identifier == Scheduler.refreshID }) {
                Scheduler.shared.scheduleRefresh()
            }
        }
    }
}
