// swift-tools-version: 5.9
import AppleProductTypes
import PackageDescription

let package = Package(
    name: "Marquee",
    platforms: [.iOS("17.0")],
    products: [
        .iOSApplication(
            name: "Marquee",
            targets: ["MarqueeApp"],
            bundleIdentifier: "io.cocoabytes.marquee",
            displayVersion: "1.0",
            bundleVersion: "1",
            supportedDeviceFamilies: [.phone],
            supportedInterfaceOrientations: [.portrait]
        ),
    ],
    targets: [
        .target(name: "MarqueeKit"),
        .executableTarget(name: "MarqueeApp", dependencies: ["MarqueeKit"]),
    ]
)
