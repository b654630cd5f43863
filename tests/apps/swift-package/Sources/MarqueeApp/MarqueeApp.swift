import BackgroundTasks
import MarqueeKit
import SwiftUI
import UIKit

// A Swift package app: identifiers and delays are constants of MarqueeKit; the handlers are
// registered by the application delegate SwiftUI adopts; both requests are submitted when the
// scene goes to the background.
@main
struct MarqueeApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) var appDelegate
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            PosterWall()
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .background:
                BackgroundScheduler.scheduleRefresh()
                BackgroundScheduler.scheduleStudy()
            default:
                break
            }
        }
    }
}

final class AppDelegate: NSObject, UIApplicationDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: TaskIdentifier.refresh.rawValue, using: nil) { task in
            BackgroundScheduler.scheduleRefresh()
            task.expirationHandler = { PosterStore.shared.cancel() }
            Task {
                await PosterStore.shared.refresh()
                task.setTaskCompleted(success: true)
            }
        }
        BGTaskScheduler.shared.register(forTaskWithIdentifier: TaskIdentifier.study.rawValue, using: nil) { task in
            guard let study = task as? BGHealthResearchTask else { return }
            study.expirationHandler = { StudyUploader.shared.cancel() }
            StudyUploader.shared.upload { success in
                study.setTaskCompleted(success: success)
            }
        }
        return true
    }
}
