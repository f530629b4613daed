@testable import Relabeling
import XCTest

/// `replacement` templates parse as Go's `regexp.Expand` reads them.
final class RelabelTemplateTests: XCTestCase {
    private func parts(_ template: String, _ pattern: String = "(?<name>a)(b)") throws -> [RelabelTemplate.Part] {
        RelabelTemplate(template, regex: try RelabelRegex(pattern)).parts
    }

    private func text(_ s: String) -> RelabelTemplate.Part { .text(Array(s.utf8)) }

    func testReferences() throws {
        XCTAssertEqual(try parts("$1"), [.group([1])])
        XCTAssertEqual(try parts("${2}x"), [.group([2]), text("x")])
        XCTAssertEqual(try parts("$name-${name}"), [.group([1]), text("-"), .group([1])])
        XCTAssertEqual(try parts("$0"), [.group([0])])
    }

    func testNamesRunToTheLongestWord() throws {
        XCTAssertEqual(try parts("$1x"), [.group([])])
        XCTAssertEqual(try parts("$namé"), [.group([])])
    }

    func testNumbersWithLeadingZeroOrPastTheGroupsAreEmpty() throws {
        XCTAssertEqual(try parts("$01"), [.group([])])
        XCTAssertEqual(try parts("$3"), [.group([])])
    }

    func testDollarsThatAreText() throws {
        XCTAssertEqual(try parts("$$1"), [text("$1")])
        XCTAssertEqual(try parts("a$"), [text("a$")])
        XCTAssertEqual(try parts("${x"), [text("${x")])
        XCTAssertEqual(try parts("$-"), [text("$-")])
    }

    func testExpandUsesTheFirstNamedGroupThatMatched() throws {
        let regex = try RelabelRegex("(?J)(?<v>x)?(?<v>y)")
        XCTAssertTrue(regex.matches(Array("y".utf8)))
        var out: [UInt8] = []
        Array("y".utf8).withUnsafeBytes { RelabelTemplate("[$v]", regex: regex).expand(regex, subject: $0, into: &out) }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "[y]")
    }
}
