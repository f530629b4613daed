import Foundation
import NIOConcurrencyHelpers
import NIOCore
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// `CloudWatchLogsProtocol` in the delivery driver, over a scripted transport and a manual
/// clock: AWS answers as CloudWatch Logs sends them.
final class CloudWatchLogsProtocolTests: DeliveryDriverTestCase {
    private let seconds = NIOLockedValueBox<Int64>(1_795_975_200)
    private static let token = "SESSION-TOKEN-SECRET", secret = "SECRET/ACCESS/KEY"

    private func cloudWatchDriver(createMissingGroup: Bool = true, createMissingStream: Bool = true)
        -> DeliveryDriver<CloudWatchLogsProtocol<ScriptedTransport>, ManualClock> {
        let seconds = self.seconds
        let signer = CloudWatchLogsRequestSigner(
            signer: AWSSigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret, sessionToken: Self.token),
                                   region: "us-east-1", service: "logs"),
            host: "receiver.test", path: "/", unixSeconds: { seconds.withLockedValue { $0 += 1; return $0 } })
        let wire = CloudWatchLogsProtocol<ScriptedTransport>(name: "cloudwatch_logs(t)", endpoint: transport.endpoint, signer: signer,
                                                             createMissingGroup: createMissingGroup, createMissingStream: createMissingStream)
        return DeliveryDriver(name: "cloudwatch_logs(t)", wire: wire, transport: transport, policy: .init(),
                              deadLetter: DeliveryDeadLetter(dataDirectory: dataDirectory, output: "t"), metrics: metrics,
                              log: RateLimitedLogger(logger: logs.logger(), burst: 100), clock: clock, random: { 0.5 })
    }

    /// Events `m0`…`m<count-1>` of stream `app`/`web`, one millisecond apart.
    private func payload(_ count: Int) -> CloudWatchLogsPayload {
        var encoder = CloudWatchLogsBatchEncoder(groupName: "app", streamName: "web")!
        var batch = LogBatch()
        for id in 0..<count { batch.append(timestamp: 1_795_975_200_000_000_000 + Int64(id) * 1_000_000, message: "m\(id)") }
        return encoder.encode(batch)[0]
    }

    private func deliver(_ payload: CloudWatchLogsPayload, _ driver: DeliveryDriver<CloudWatchLogsProtocol<ScriptedTransport>, ManualClock>)
        async throws {
        // As `deliverAdvancingClock` does for the fake protocol: every backoff is advanced through.
        let finished = NIOLockedValueBox(false)
        let task = Task {
            await driver.deliver(payload)
            finished.withLockedValue { $0 = true }
        }
        var slept = 0
        while true {
            try await eventually { self.clock.sleeps.count > slept || finished.withLockedValue { $0 } }
            if clock.sleeps.count == slept { break }
            clock.advance(by: clock.sleeps[slept])
            slept += 1
        }
        await task.value
    }

    private func targets() -> [String] {
        transport.requests.map { $0.headers.first { $0.0 == "X-Amz-Target" }?.1.replacingOccurrences(of: "Logs_20140328.", with: "") ?? "?" }
    }

    private func error(_ type: String, _ message: String, status: Int = 400) -> DeliveryResult<DeliveryHTTPResponse> {
        .answer(status, #"{"__type":"\#(type)","message":"\#(message)"}"#)
    }

    /// ThrottlingException comes as a 400; it is retried after a backoff, and the retry is signed afresh.
    func testThrottlingIsRetriedAndEachAttemptIsSignedAgain() async throws {
        transport.script([error("ThrottlingException", "Rate exceeded")])
        try await deliver(payload(2), cloudWatchDriver())
        XCTAssertEqual(targets(), ["PutLogEvents", "PutLogEvents"])
        XCTAssertEqual(clock.sleeps.count, 1)
        let dates = transport.requests.map { $0.headers.first { $0.0 == "X-Amz-Date" }?.1 }
        XCTAssertEqual(dates[0], "20261129T180001Z")
        XCTAssertGreaterThan(dates[1] ?? "", dates[0] ?? "", "the retry carries its own, later date")
        let signatures = transport.requests.compactMap { $0.headers.first { $0.0 == "Authorization" }?.1 }
        XCTAssertEqual(Set(signatures).count, 2)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2)
        XCTAssertEqual(metrics.errorCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["throttled=1"])
    }

    func testServerErrorsAreRetried() async throws {
        transport.script([error("ServiceUnavailableException", "try later", status: 503), .answer(500)])
        try await deliver(payload(1), cloudWatchDriver())
        XCTAssertEqual(targets(), ["PutLogEvents", "PutLogEvents", "PutLogEvents"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 1)
    }

    /// A missing group, then a missing stream: each is created, then the events go.
    func testAMissingGroupAndStreamAreCreatedFirst() async throws {
        transport.script([error("ResourceNotFoundException", "The specified log group does not exist."), .answer(200),
                          error("ResourceNotFoundException", "The specified log stream does not exist."),
                          error("ResourceAlreadyExistsException", "The specified log stream already exists")])
        try await deliver(payload(3), cloudWatchDriver())
        XCTAssertEqual(targets(), ["PutLogEvents", "CreateLogGroup", "PutLogEvents", "CreateLogStream", "PutLogEvents"])
        XCTAssertEqual(transport.bodies[1], #"{"logGroupName":"app"}"#)
        XCTAssertEqual(transport.bodies[3], #"{"logGroupName":"app","logStreamName":"web"}"#)
        XCTAssertEqual(clock.sleeps, [], "no backoff: the receiver said what was missing")
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 3)
    }

    func testWithoutCreateMissingStreamTheEventsAreDeadLettered() async throws {
        transport.script([error("ResourceNotFoundException", "The specified log stream does not exist.")])
        try await deliver(payload(2), cloudWatchDriver(createMissingStream: false))
        XCTAssertEqual(targets(), ["PutLogEvents"])
        XCTAssertEqual(metrics.dropCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["rejected=2"])
    }

    /// rejectedLogEventsInfo: the named events are dead-lettered by reason, the rest count as sent.
    func testRejectedLogEventsInfoDeadLettersThoseEventsOnly() async throws {
        transport.script([.answer(200, #"{"nextSequenceToken":"1","rejectedLogEventsInfo":{"tooOldLogEventEndIndex":1,"expiredLogEventEndIndex":0,"tooNewLogEventStartIndex":4}}"#)])
        try await deliver(payload(6), cloudWatchDriver())
        XCTAssertEqual(targets(), ["PutLogEvents"], "nothing is sent again")
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2)
        XCTAssertEqual(metrics.dropCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["rejected=4"])
        XCTAssertEqual(metrics.errorCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["too_new=2", "too_old=2"])
        let lines = try deadLetterText()
        XCTAssertEqual(lines.filter { $0.contains("\"dead_letter\"") }.count, 2, "one record per reason")
        XCTAssertEqual(lines.filter { $0.contains("\"message\":\"m") }.map { $0.contains("\"m0\"") || $0.contains("\"m1\"") || $0.contains("\"m4\"") || $0.contains("\"m5\"") },
                       [true, true, true, true])
    }

    /// Other 4xx: dead-lettered with the type and message; the secret and token quoted back are removed.
    func testOtherErrorsAreDeadLetteredWithTheTypeAndNoSecrets() async throws {
        transport.script([error("InvalidSignatureException", "canonical x-amz-security-token:\(Self.token) key \(Self.secret)")])
        try await deliver(payload(2), cloudWatchDriver())
        let text = try deadLetterText().joined(separator: "\n")
        XCTAssertTrue(text.contains("cloudwatch_logs(t): 400 InvalidSignatureException from http://receiver.test/write: canonical "
                                    + "x-amz-security-token:<redacted> key <redacted>"), text)
        XCTAssertFalse(text.contains(Self.token) || text.contains(Self.secret))
        XCTAssertFalse(logs.messages.joined().contains(Self.token) || logs.messages.joined().contains(Self.secret))
        XCTAssertEqual(metrics.dropCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["rejected=2"])
    }

    /// A secret quoted where the log line (512 bytes of the message) or the dead letter (4 KiB of
    /// the body) cuts the answer, JSON-escaped, leaves no part of itself: redacted whole, then cut.
    func testSecretsAtTheCutOfALongAnswerLeaveNoPrefix() async throws {
        let escapedSecret = Self.secret.replacing("/", with: "\\/")
        // The message starts 49 bytes into the body; each pad puts the secret across one cut.
        for (quoted, pad) in [(Self.token, 504), (Self.token, 4040), (escapedSecret, 506), (escapedSecret, 4042)] {
            try? FileManager.default.removeItem(atPath: dataDirectory + "/dead_letter")
            transport.script([.answer(400, #"{"__type":"InvalidSignatureException","message":""#
                                      + String(repeating: "x", count: pad) + quoted + "\"}")])
            try await deliver(payload(1), cloudWatchDriver())
            let text = try deadLetterText().joined(separator: "\n") + logs.messages.joined()
            XCTAssertFalse(text.contains(String(quoted.prefix(6))), "a prefix of \(quoted) at pad \(pad)")
        }
    }

    func testAnswersAreReadFromJSONXMLAndTheHeader() {
        XCTAssertEqual(CloudWatchLogsAnswer(body: ByteBuffer(string: #"{"__type":"com.amazonaws.logs#ThrottlingException","message":"Rate \"x\""}"#),
                                            errorTypeHeader: nil),
                       CloudWatchLogsAnswer(type: "ThrottlingException", message: "Rate \"x\""))
        XCTAssertEqual(CloudWatchLogsAnswer(body: ByteBuffer(string: "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error></Errors></ErrorResponse>"),
                                            errorTypeHeader: nil),
                       CloudWatchLogsAnswer(type: "SignatureDoesNotMatch", message: "no"))
        XCTAssertEqual(CloudWatchLogsAnswer(body: ByteBuffer(), errorTypeHeader: "AccessDeniedException:http://internal.amazon.com/"),
                       CloudWatchLogsAnswer(type: "AccessDeniedException"))
        XCTAssertEqual(CloudWatchLogsAnswer(body: ByteBuffer(string: #"{"rejectedLogEventsInfo": {"tooNewLogEventStartIndex": 12}}"#), errorTypeHeader: nil),
                       CloudWatchLogsAnswer(tooNewStart: 12))
    }
}
