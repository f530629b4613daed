import Atomics
import NIOCore
import Pipeline

/// What every syslog socket and connection shares, on whichever event loop it runs.
final class SyslogState: Sendable {
    let config: SyslogInputConfig
    let writer: SyslogEventWriter
    let metrics: ComponentMetrics
    let log: RateLimitedLogger
    let connections = ManagedAtomic<Int>(0)

    let parseErrors: ManagedAtomic<Int>
    let tooLarge: ManagedAtomic<Int>
    let refusedConnections: ManagedAtomic<Int>
    let bufferFull: ManagedAtomic<Int>
    /// Connections refused or broken by TLS (a failed handshake: plaintext, an old version, a
    /// missing or untrusted client certificate).
    let tlsFailures: ManagedAtomic<Int>
    /// Events an output lost after the input had read them (`acknowledgements: true`).
    let droppedDownstream: ManagedAtomic<Int>

    init(config: SyslogInputConfig, metrics: ComponentMetrics, log: RateLimitedLogger) {
        self.config = config
        self.writer = SyslogEventWriter(timeZoneOffsetMinutes: config.timeZoneOffsetMinutes)
        self.metrics = metrics
        self.log = log
        parseErrors = metrics.errorCounter("parse")
        tooLarge = metrics.errorCounter("too_large")
        refusedConnections = metrics.errorCounter("connection_refused")
        bufferFull = metrics.dropCounter("buffer_full")
        tlsFailures = metrics.errorCounter("tls")
        droppedDownstream = metrics.errorCounter("dropped_downstream")
    }
}
