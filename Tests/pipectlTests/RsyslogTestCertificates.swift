import Foundation

/// A private CA with a server certificate for localhost/127.0.0.1 and a client certificate
/// (CN and SAN `client.test`), made with the `openssl` command in a test folder (EC P-256,
/// valid two days). PEM files; keys unencrypted.
struct RsyslogTestCertificates {
    let ca: String
    let serverCert: String
    let serverKey: String
    let clientCert: String
    let clientKey: String
    /// The name rsyslog's `x509/name` mode permits for the server (a SAN of its certificate).
    let serverName = "localhost"
    /// The client certificate's name, for `x509/name` on a receiving rsyslog.
    let clientName = "client.test"

    /// `serverAltNames` are the server certificate's subjectAltName entries.
    init(in parent: URL, serverAltNames: String = "DNS:localhost,IP:127.0.0.1") throws {
        let dir = parent.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func p(_ name: String) -> String { dir.appendingPathComponent(name).path }
        (ca, serverCert, serverKey, clientCert, clientKey) = (p("ca.pem"), p("server.pem"), p("server.key"), p("client.pem"), p("client.key"))
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.openssl(["req", "-x509"] + ec + ["-keyout", p("ca.key"), "-out", ca, "-days", "2", "-subj", "/CN=pipectl test CA",
                                                  "-addext", "basicConstraints=critical,CA:TRUE",
                                                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        for (name, cn, san, usage) in [("server", "localhost", serverAltNames, "serverAuth"),
                                       ("client", "client.test", "DNS:client.test", "clientAuth")] {
            try """
            subjectAltName=\(san)
            extendedKeyUsage=\(usage)
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            """.write(toFile: p("\(name).ext"), atomically: true, encoding: .utf8)
            try Self.openssl(["req"] + ec + ["-keyout", p("\(name).key"), "-out", p("\(name).csr"), "-subj", "/CN=\(cn)"])
            try Self.openssl(["x509", "-req", "-in", p("\(name).csr"), "-CA", ca, "-CAkey", p("ca.key"), "-CAcreateserial",
                              "-out", p("\(name).pem"), "-days", "2", "-extfile", p("\(name).ext")])
        }
    }

    /// Runs `openssl arguments`, bounded to 30 s; throws with its output when it fails.
    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: text, as: UTF8.self))")
        }
    }
}
