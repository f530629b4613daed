import NIOCore
@testable import Outputs
import XCTest

/// `AWSSigV4Signer` against AWS's published Signature Version 4 test suite
/// (awslabs/aws-c-auth tests/aws-signing-test-suite/v4/<case>/: request.txt,
/// header-canonical-request.txt, header-string-to-sign.txt, header-signed-request.txt;
/// context.json: AKIDEXAMPLE, region us-east-1, service "service", 2015-08-30T12:36:00Z).
final class CloudWatchLogsSigV4Tests: XCTestCase {
    private let signer = AWSSigV4Signer(
        credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    /// 2015-08-30T12:36:00Z.
    private let date: Int64 = 1_440_938_160
    private let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func testAmzDate() {
        XCTAssertEqual(AWSSigV4Signer.amzDate(date), "20150830T123600Z")
        XCTAssertEqual(AWSSigV4Signer.amzDate(1_795_975_199), "20261129T175959Z")
    }

    func testGetVanilla() {
        let signed = signer.sign(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                                 payloadHash: emptyHash, unixSeconds: date)
        XCTAssertEqual(signed.canonicalRequest, """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(signed.stringToSign, """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
            """)
        XCTAssertEqual(signed.authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                       + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    func testPostVanilla() {
        let signed = signer.sign(method: "POST", path: "/", headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                                 payloadHash: AWSSigV4Signer.payloadHash(ByteBuffer()), unixSeconds: date)
        XCTAssertEqual(signed.canonicalRequest, """
            POST
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(signed.stringToSign, """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87
            """)
        XCTAssertEqual(signed.signature, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    /// The body is hashed, and headers in any case and order are signed lower-cased and sorted.
    func testPostXWWWFormURLEncoded() {
        let body = ByteBuffer(string: "Param1=value1")
        let hash = AWSSigV4Signer.payloadHash(body)
        XCTAssertEqual(hash, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e")
        let signed = signer.sign(method: "POST", path: "/", headers: [
            ("Content-Type", "application/x-www-form-urlencoded"), ("Host", "example.amazonaws.com"), ("Content-Length", "13"),
            ("X-Amz-Date", "20150830T123600Z"), ("x-amz-content-sha256", hash),
        ], payloadHash: hash, unixSeconds: date)
        XCTAssertEqual(signed.canonicalRequest, """
            POST
            /

            content-length:13
            content-type:application/x-www-form-urlencoded
            host:example.amazonaws.com
            x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
            x-amz-date:20150830T123600Z

            content-length;content-type;host;x-amz-content-sha256;x-amz-date
            9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
            """)
        XCTAssertEqual(signed.stringToSign, """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb
            """)
        XCTAssertEqual(signed.authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                       + "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, "
                       + "Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b")
    }

    /// Values are trimmed and inner runs of spaces collapsed (the SigV4 canonical header rule).
    func testHeaderValuesAreTrimmed() {
        let signed = signer.sign(method: "POST", path: "/", headers: [("Host", "  example.amazonaws.com "), ("My-Header", "a   b  c")],
                                 payloadHash: emptyHash, unixSeconds: date)
        XCTAssertTrue(signed.canonicalRequest.contains("host:example.amazonaws.com\nmy-header:a b c\n"), signed.canonicalRequest)
    }

    /// Printing credentials shows the key id only.
    func testCredentialsNeverPrintTheirSecrets() {
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "s3cr3t/KEY", sessionToken: "T0KEN")
        for text in ["\(credentials)", String(reflecting: credentials), { var s = ""; dump(credentials, to: &s); return s }()] {
            XCTAssertTrue(text.contains("AKIDEXAMPLE"), text)
            XCTAssertFalse(text.contains("s3cr3t") || text.contains("T0KEN"), text)
        }
        XCTAssertEqual(credentials.redacting("sig s3cr3t/KEY token T0KEN"), "sig <redacted> token <redacted>")
    }
}
