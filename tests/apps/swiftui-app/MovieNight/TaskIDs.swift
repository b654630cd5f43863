enum TaskIDs {
    static let refresh = "io.cocoabytes.movienight.refresh"
    static let index = "io.cocoabytes.movienight.index"
}
