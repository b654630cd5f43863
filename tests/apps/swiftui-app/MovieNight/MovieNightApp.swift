import BackgroundTasks
import SwiftUI

// SwiftUI: the refresh is a .backgroundTask scene modifier, submitted when the scene goes to
// the background and again first thing in its own handler; the overnight index is registered
// in App.init and submitted on launch only when none is pending.
@main
struct MovieNightApp: App {
    @Environment(\.scenePhase) private var scenePhase

    init() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: TaskIDs.index, using: nil) { task in
            Self.handleIndex(task as! BGProcessingTask)
        }
        BGTaskScheduler.shared.getPendingTaskRequests { requests in
            guard !requests.contains(where: { $0.identifier == TaskIDs.index }) else { return }
            IndexPlanner.schedule()
        }
    }

    var body: some Scene {
        WindowGroup {
            ContentView()
        }
        .onChange(of: scenePhase) { _, phase in
            if phase == .background {
                RefreshPlanner.schedule()
            }
        }
        .backgroundTask(.appRefresh(TaskIDs.refresh)) {
            RefreshPlanner.schedule()
            await Catalog.shared.sync()
        }
    }

    static func handleIndex(_ task: BGProcessingTask) {
        let work = Task {
            try await SearchIndex.shared.rebuild()
        }
        task.expirationHandler = {
            work.cancel()
        }
        Task {
            do {
                try await work.value
                task.setTaskCompleted(success: true)
            } catch {
                task.setTaskCompleted(success: false)
            }
        }
    }
}
