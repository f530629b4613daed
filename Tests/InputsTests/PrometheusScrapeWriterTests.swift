import Codecs
@testable import Inputs
import Pipeline
import XCTest

/// The scrape writer stores each sample's labels sorted by name, with the target's labels.
final class PrometheusScrapeWriterTests: XCTestCase {
    /// The rows `page` becomes, as `name{label=value,…}` in stored order.
    private func rows(_ page: String) throws -> [String] {
        let target = try XCTUnwrap(PrometheusScrapeTarget(address: "h:1", scheme: "http", metricsPath: "/metrics",
                                                          query: "", job: "j", labels: []))
        var writer = PrometheusScrapeWriter(target: target, honorLabels: false, timestamp: 1, capacity: 8)
        var parser = PrometheusTextParser(format: .prometheus004)
        let emit: (PrometheusTextEvent) -> Void = { event in
            if case .sample(let sample) = event { writer.append(sample) }
        }
        Array(page.utf8).withUnsafeBytes { parser.feed($0, emit) }
        parser.finish(emit)
        let batch = writer.batch
        return (0..<batch.count).map { i in
            batch.name(i) + "{" + batch.labelPairs(i).map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
        }
    }

    /// Lines of a family reuse the order found for the line before while their label names
    /// repeat; a line with other names, or the same names in another order, is sorted anew.
    func testEachLineIsSortedWhateverTheLineBeforeIt() throws {
        XCTAssertEqual(try rows("""
            m{b="1",a="2"} 1
            m{b="3",a="4"} 2
            m{a="5",b="6"} 3
            m{c="7",a="8"} 4
            m{zz="9"} 5

            """), [
            "m{a=2,b=1,instance=h:1,job=j}",
            "m{a=4,b=3,instance=h:1,job=j}",
            "m{a=5,b=6,instance=h:1,job=j}",
            "m{a=8,c=7,instance=h:1,job=j}",
            "m{instance=h:1,job=j,zz=9}",
        ])
    }
}
