// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "pipectl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pipectl", targets: ["pipectl"]),
        .executable(name: "pipectl-bench", targets: ["pipectl-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CAllocCounter"),
        .target(
            name: "Codecs",
            dependencies: ["CSnappy", "CZlib", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .target(
            name: "Pipeline",
            dependencies: [
                "Codecs",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .target(
            name: "Relabeling",
            dependencies: ["Pipeline", "Codecs", "CPCRE2", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(
            name: "TLSOptions",
            dependencies: ["Pipeline", .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strict),
        .target(
            name: "Inputs",
            dependencies: ["Pipeline", "Codecs", "Relabeling", "TLSOptions", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strict),
        .target(
            name: "Transforms",
            dependencies: ["Pipeline", "Codecs", "CPCRE2", "Relabeling", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Atomics", package: "swift-atomics"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "Outputs",
            dependencies: ["Pipeline", "Codecs", "TLSOptions", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(
            name: "PipelineTesting",
            dependencies: ["Pipeline", "Codecs", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .executableTarget(
            name: "pipectl",
            dependencies: ["Pipeline", "Codecs", "Inputs", "Transforms", "Outputs",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .executableTarget(
            name: "pipectl-bench",
            dependencies: ["Pipeline", "Codecs", "Inputs", "Transforms", "Outputs", "PipelineTesting", "CAllocCounter",
                           .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "PipelineTesting"], swiftSettings: strict),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "PipelineTesting"], swiftSettings: strict),
        .testTarget(name: "RelabelingTests", dependencies: ["Relabeling", "Pipeline"], swiftSettings: strict),
        .testTarget(name: "InputsTests", dependencies: ["Inputs", "Pipeline", "PipelineTesting"], swiftSettings: strict),
        .testTarget(name: "TransformsTests", dependencies: ["Transforms", "Relabeling", "Pipeline", "PipelineTesting"], swiftSettings: strict),
        .testTarget(name: "OutputsTests", dependencies: ["Outputs", "Pipeline", "PipelineTesting"], swiftSettings: strict),
        .testTarget(name: "pipectlTests", dependencies: ["Pipeline", "PipelineTesting"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
