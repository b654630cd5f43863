import Foundation

/// Every background task identifier of the app, in one place.
public enum TaskIdentifier: String, CaseIterable {
    case refresh = "io.cocoabytes.marquee.refresh"
    case study = "io.cocoabytes.marquee.study"
}

public enum Schedule {
    public static let refreshDelay: TimeInterval = 3 * 60 * 60
}
