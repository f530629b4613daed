@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Options and the positioned errors of bad ones.
final class ElasticsearchConfigTests: XCTestCase {
    private func config(_ options: String) throws -> ElasticsearchOutputConfig {
        let registry = ComponentRegistry(TestComponents().registry.types + [ElasticsearchOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              src: { type: static }
            outputs:
              es:
                type: elasticsearch
                inputs: [src]
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [])
        return try XCTUnwrap(outcome.config?.component("es")?.config as? ElasticsearchOutputConfig)
    }

    func testDefaults() throws {
        let c = try config("url: http://127.0.0.1:9200")
        XCTAssertEqual(c.bulkHTTP.url, "http://127.0.0.1:9200/_bulk?filter_path=errors,items.*.status,items.*.error")
        XCTAssertEqual(c.mode, .index)
        XCTAssertEqual(c.target, try ElasticsearchIndexPattern.parse("pipectl-%Y.%m.%d").get())
        XCTAssertTrue(c.documentIDs)
        XCTAssertTrue(c.gzip)
        XCTAssertEqual(c.delivery.batch, DeliveryBatchLimits(maxEvents: 1000, maxBytes: 10 * 1024 * 1024, timeout: .seconds(1)))
        XCTAssertEqual(c.delivery.concurrency, 2)
        XCTAssertEqual(c.protocolHeaders.map(\.0), ["Content-Type", "User-Agent", "Content-Encoding"])
        XCTAssertNil(c.http.auth)
    }

    func testDataStreamPipelineAndAuth() throws {
        let c = try config("""
            url: https://es.example:9200/prefix
            mode: data_stream
            data_stream: logs-app-prod
            pipeline: "parse/v1"
            auth: { api_key: "a2V5OnNlY3JldA==" }
            """)
        XCTAssertEqual(c.bulkHTTP.url, "https://es.example:9200/prefix/_bulk?filter_path=errors,items.*.status,items.*.error&pipeline=parse%2Fv1")
        XCTAssertEqual(c.encoder.action, .create)
        XCTAssertEqual(c.http.authorization, "ApiKey a2V5OnNlY3JldA==")
        XCTAssertEqual(try config("url: http://h\nauth: { user: u, password: p }").http.auth, .basic(username: "u", password: "p"))
    }

    func testErrorsArePositioned() {
        XCTAssertEqual(ElasticsearchTesting.configErrors("""
            url: http://127.0.0.1:9200/_bulk
            index: "logs-%Q"
            data_stream: logs-a-b
            compression: zstd
            document_id: random
            auth: { user: elastic }
            batch: { max_bytes: 200MiB }
            """), [
            "test.yaml:7:10: outputs.es.url: expected the cluster's base URL; pipectl adds /_bulk itself",
            "test.yaml:8:12: outputs.es.index: 'logs-%Q' has an unknown date code '%Q'; allowed: %Y %y %m %d %H %j %%",
            "test.yaml:9:18: outputs.es.data_stream: data_stream needs mode: data_stream (then index is not used)",
            "test.yaml:10:18: outputs.es.compression: expected one of gzip, none, got 'zstd'",
            "test.yaml:11:18: outputs.es.document_id: expected one of hash, auto, got 'random'",
            "test.yaml:12:19: outputs.es.auth.user: basic auth needs both user and password",
            "test.yaml:13:25: outputs.es.batch.max_bytes: must be at most 100MiB (Elasticsearch's http.max_content_length is 100MB by default)",
        ])
        XCTAssertEqual(ElasticsearchTesting.configErrors("""
            url: "http://127.0.0.1:9200?x=1"
            mode: data_stream
            index: logs
            data_stream: "logs-%Y"
            auth: { api_key: k, user: u, password: p }
            """), [
            "test.yaml:7:10: outputs.es.url: expected the cluster's base URL without a query; pipectl adds /_bulk and its parameters",
            "test.yaml:9:12: outputs.es.index: mode data_stream writes to data_stream; index is for mode: index",
            "test.yaml:10:18: outputs.es.data_stream: a data stream rolls over by itself; its name takes no date codes",
            "test.yaml:11:22: outputs.es.auth.api_key: use one of bearer_token, api_key or user/password",
        ])
    }
}
