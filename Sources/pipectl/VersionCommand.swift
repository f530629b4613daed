import ArgumentParser

/// `pipectl version`: the version and what the binary was built for and with, e.g.
/// `pipectl 0.1.0 (release, linux-x86_64, swift 6.3)`.
///
/// Every part is a compile-time fact of this binary, not of the machine it runs on; the
/// architecture is spelled as `uname -m` spells it on that OS.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Prints version and build information.")

    func run() {
        print("pipectl \(Pipectl.version) (\(Self.build), \(Self.operatingSystem)-\(Self.architecture), swift \(Self.compiler))")
    }

    static var build: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    static var operatingSystem: String {
        #if os(Linux)
        "linux"
        #elseif os(macOS)
        "darwin"
        #elseif os(FreeBSD)
        "freebsd"
        #elseif os(Windows)
        "windows"
        #else
        "unknown"
        #endif
    }

    static var architecture: String {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64) && os(Linux)
        "aarch64"
        #elseif arch(arm64)
        "arm64"
        #elseif arch(s390x)
        "s390x"
        #elseif arch(powerpc64le)
        "ppc64le"
        #elseif arch(riscv64)
        "riscv64"
        #else
        "unknown"
        #endif
    }

    /// The compiler that built the binary (major.minor); Swift 6 language mode needs 6.0 or later.
    static var compiler: String {
        #if compiler(>=7.0)
        "7.0 or later"
        #elseif compiler(>=6.5)
        "6.5 or later"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }
}
