import Pipeline
@testable import Relabeling
@testable import Transforms
import XCTest

/// Each action in the user's notation: YAML rules in, `name{label="value"}` series in and out.
/// Examples follow Prometheus' `relabel_config` documentation and its `model/relabel` behaviour.
final class RelabelProgramTests: XCTestCase {
    // MARK: replace

    func testReplaceCopiesACaptureToTheTarget() {
        XCTAssertEqual(relabel(#"""
            - source_labels: [instance]
              regex: '([^:]+):\d+'
              target_label: host
            """#, [#"up{instance="web-1:9100",job="node"}"#]),
            [#"up{host="web-1",instance="web-1:9100",job="node"}"#])
    }

    func testReplaceDefaultsCopyTheJoinedSourceValues() {
        // separator ";", regex "(.*)", replacement "$1", action replace.
        XCTAssertEqual(relabel("""
            - source_labels: [job, instance]
              target_label: both
            """, [#"up{instance="i",job="j"}"#]), [#"up{both="j;i",instance="i",job="j"}"#])
    }

    func testMissingSourceLabelsReadAsEmpty() {
        XCTAssertEqual(relabel("""
            - source_labels: [absent, job, other]
              separator: '-'
              target_label: joined
            """, [#"up{job="api"}"#]), [#"up{job="api",joined="-api-"}"#])
    }

    func testRegexIsAnchoredAtBothEnds() {
        let rules = """
            - source_labels: [job]
              regex: a
              action: keep
            """
        XCTAssertEqual(relabel(rules, [#"up{job="ba"}"#, #"up{job="a"}"#, #"up{job="ab"}"#]), [#"up{job="a"}"#])
    }

    func testAnchoringKeepsAlternationWhole() {
        // ^(?:a|ab)$: the second alternative must be tried when the first stops short.
        XCTAssertEqual(relabel("""
            - source_labels: [job]
              regex: a|ab
              action: keep
            """, [#"up{job="ab"}"#]), [#"up{job="ab"}"#])
    }

    func testDotMatchesNewlineAndDollarOnlyAtTheEnd() {
        XCTAssertEqual(relabel("""
            - source_labels: [msg]
              regex: a.b
              action: keep
            - source_labels: [msg]
              regex: 'a\\nb$'
              target_label: seen
              replacement: yes
            - source_labels: [tail]
              regex: 'x$'
              action: drop
            """, [#"up{msg="a\nb",tail="x\n"}"#]), [#"up{msg="a\nb",seen="yes",tail="x\n"}"#])
    }

    func testNoMatchLeavesLabelsAlone() {
        XCTAssertEqual(relabel(#"""
            - source_labels: [instance]
              regex: '([^:]+):\d+'
              target_label: host
            """#, [#"up{instance="socket"}"#]), [#"up{instance="socket"}"#])
    }

    func testNamedAndBracedReferences() {
        XCTAssertEqual(relabel(#"""
            - source_labels: [instance]
              regex: '(?<host>[^:]+):(?<port>\d+)'
              target_label: addr
              replacement: '$${port}@$${host}/$1/$${2}x/$$'
            """#, [#"up{instance="db:5432"}"#]), [#"up{addr="5432@db/db/5432x/$",instance="db:5432"}"#])
    }

    func testDollarNameRunsToTheLongestWord() {
        // $1x is ${1x}, a group that does not exist: the value expands empty, deleting `job`.
        XCTAssertEqual(relabel("""
            - source_labels: [job]
              target_label: job
              replacement: $1x
            """, [#"up{job="api",zone="a"}"#]), [#"up{zone="a"}"#])
    }

    func testMalformedReferenceIsKeptAsText() {
        XCTAssertEqual(relabel("""
            - source_labels: [job]
              target_label: t
              replacement: '$${1 $ $-'
            """, [#"up{job="api"}"#]), [#"up{job="api",t="${1 $ $-"}"#])
    }

    func testEmptyReplacementRemovesTheLabel() {
        XCTAssertEqual(relabel("""
            - source_labels: [pod]
              regex: 'tmp-.*'
              target_label: pod
              replacement: ''
            """, [#"up{pod="tmp-1"}"#, #"up{pod="web-1"}"#]), ["up", #"up{pod="web-1"}"#])
    }

    func testReplaceWithoutSourcesSetsAStaticValue() {
        XCTAssertEqual(relabel("""
            - target_label: env
              replacement: prod
            """, ["up"]), [#"up{env="prod"}"#])
    }

    func testTargetLabelFromACapture() {
        // A target that expands to no valid label name (`label_a-b`) changes nothing.
        XCTAssertEqual(relabel("""
            - source_labels: [kind, value]
              regex: '(.+);(.+)'
              target_label: 'label_$1'
              replacement: '$2'
            """, [#"m{kind="cpu",value="7"}"#, #"m{kind="a-b",value="7"}"#]),
            [#"m{kind="cpu",label_cpu="7",value="7"}"#, #"m{kind="a-b",value="7"}"#])
    }

    func testRepeatedValuesGiveTheSameResultWhetherRememberedOrNot() {
        // The memo keeps a result when the value, name and value set fit in 96 bytes: the long
        // value is worked out anew each time, the short one remembered; both must agree.
        let long = String(repeating: "web", count: 40) + ".7"
        let series = [#"m{dyno="web.1"}"#, #"m{dyno="\#(long)"}"#, #"m{dyno="web.1"}"#, #"m{dyno="\#(long)"}"#, #"m{dyno="x"}"#]
        let rules = """
            - source_labels: [dyno]
              regex: '([a-z]+)\\.[0-9]+'
              target_label: process_type
            """
        let expected = [#"m{dyno="web.1",process_type="web"}"#, #"m{dyno="\#(long)",process_type="\#(long.dropLast(2))"}"#]
        XCTAssertEqual(relabel(rules, series), expected + expected + [#"m{dyno="x"}"#])
    }

    func testNameIsReadAndRewrittenThroughDunderName() {
        XCTAssertEqual(relabel("""
            - source_labels: [__name__]
              regex: 'old_(.*)'
              target_label: __name__
              replacement: 'new_$1'
            - source_labels: [__name__]
              target_label: metric
            """, [#"old_requests_total{code="200"}"#, "other"]),
            [#"new_requests_total{code="200",metric="new_requests_total"}"#, #"other{metric="other"}"#])
    }

    func testSeriesWhoseNameBecomesEmptyIsDroppedAndCounted() throws {
        var (stage, dropped) = try XCTUnwrap(makeRelabel("""
            - source_labels: [job]
              regex: drop_me
              target_label: __name__
              replacement: ''
            """))
        let out = transform(&stage, .metrics(metricBatch([#"a{job="drop_me"}"#, #"b{job="keep"}"#])))
        XCTAssertEqual(out.flatMap(renderSeries), [#"b{job="keep"}"#])
        XCTAssertEqual(dropped.load(ordering: .relaxed), 1)
    }

    func testDoubleUnderscoreLabelsAreRemovedAfterRelabeling() {
        XCTAssertEqual(relabel("""
            - source_labels: [__meta_zone]
              target_label: zone
            """, [#"up{__meta_zone="eu",__tmp="x",job="a"}"#]), [#"up{job="a",zone="eu"}"#])
    }

    // MARK: keep, drop, keepequal, dropequal

    func testKeepAndDrop() {
        XCTAssertEqual(relabel("""
            - source_labels: [__name__]
              regex: 'node_.*'
              action: keep
            - source_labels: [__name__, mode]
              regex: 'node_cpu_seconds_total;(idle|iowait)'
              action: drop
            """, [#"node_cpu_seconds_total{mode="idle"}"#, #"node_cpu_seconds_total{mode="user"}"#, "go_goroutines", "node_load1"]),
            [#"node_cpu_seconds_total{mode="user"}"#, "node_load1"])
    }

    func testKeepOnAMissingLabelMatchesTheEmptyString() {
        XCTAssertEqual(relabel("""
            - source_labels: [team]
              regex: ''
              action: keep
            """, [#"a{team="x"}"#, "b"]), ["b"])
    }

    func testKeepEqualAndDropEqual() {
        XCTAssertEqual(relabel("""
            - source_labels: [__meta_port]
              target_label: port
              action: keepequal
            """, [#"a{__meta_port="80",port="80"}"#, #"b{__meta_port="80",port="81"}"#, "c"]),
            [#"a{port="80"}"#, "c"])
        XCTAssertEqual(relabel("""
            - source_labels: [a]
              target_label: b
              action: dropequal
            """, [#"x{a="1",b="1"}"#, #"y{a="1",b="2"}"#, #"z{a="1"}"#]), [#"y{a="1",b="2"}"#, #"z{a="1"}"#])
    }

    // MARK: hashmod

    func testHashmodUsesTheLastEightBytesOfMD5() {
        // Independently: int.from_bytes(hashlib.md5(b"10.0.0.1:9100").digest()[8:], "big") % 8 == 5,
        // % 1000 of "web-1:9100" == 203, of "a;b" % 8 == 2, of "" % 8 == 6.
        XCTAssertEqual(relabel("""
            - source_labels: [instance]
              modulus: 8
              target_label: shard
              action: hashmod
            """, [#"up{instance="10.0.0.1:9100"}"#, "up"]),
            [#"up{instance="10.0.0.1:9100",shard="5"}"#, #"up{shard="6"}"#])
        XCTAssertEqual(relabel("""
            - source_labels: [a, b]
              modulus: 8
              target_label: shard
              action: hashmod
            - source_labels: [instance]
              modulus: 1000
              target_label: big
              action: hashmod
            """, [#"up{a="a",b="b",instance="web-1:9100"}"#]),
            [#"up{a="a",b="b",big="203",instance="web-1:9100",shard="2"}"#])
        XCTAssertEqual(RelabelProgram.hash(Array("x".utf8)) % (1 << 63), 8_487_128_391_145_514_918)
    }

    func testHashmodSharding() {
        // Prometheus' documented sharding: keep the series of shard 5 of 8, via a __tmp label.
        XCTAssertEqual(relabel("""
            - source_labels: [instance]
              modulus: 8
              target_label: __tmp_hash
              action: hashmod
            - source_labels: [__tmp_hash]
              regex: '5'
              action: keep
            """, [#"up{instance="10.0.0.1:9100"}"#, #"up{instance="host-1"}"#]), [#"up{instance="10.0.0.1:9100"}"#])
    }

    // MARK: labelmap, labeldrop, labelkeep

    func testLabelmapCopiesMatchingLabelsUnderNewNames() {
        XCTAssertEqual(relabel("""
            - regex: __meta_kubernetes_pod_label_(.+)
              action: labelmap
            """, [#"up{__meta_kubernetes_pod_label_app="web",__meta_kubernetes_pod_label_tier="fe",job="k"}"#]),
            [#"up{app="web",job="k",tier="fe"}"#])
        XCTAssertEqual(relabel("""
            - regex: 'tag_(.+)'
              replacement: 'ec2_$1'
              action: labelmap
            """, [#"up{tag_name="db"}"#]), [#"up{ec2_name="db",tag_name="db"}"#])
    }

    func testLabelmapVisitsOriginalsSortedThenLabelsRulesSet() {
        // Both map to `x`: the last visited wins. Untouched originals come first, sorted, then
        // the labels rules set, in order, as Prometheus' labels.Builder ranges over them.
        let labelmap = """
            - regex: '__m_.'
              replacement: x
              action: labelmap
            """
        XCTAssertEqual(relabel(labelmap, [#"up{__m_b="1",__m_a="2"}"#]), [#"up{x="1"}"#])
        XCTAssertEqual(relabel("""
            - source_labels: [__m_a]
              target_label: __m_a
              replacement: '$${1}3'
            """ + "\n" + labelmap, [#"up{__m_b="1",__m_a="2"}"#]), [#"up{x="23"}"#])
    }

    func testLabeldropAndLabelkeep() {
        XCTAssertEqual(relabel("""
            - regex: 'pod_template_hash|controller_revision_hash'
              action: labeldrop
            """, [#"up{controller_revision_hash="1",job="a",pod_template_hash="2"}"#]), [#"up{job="a"}"#])
        XCTAssertEqual(relabel("""
            - regex: '__name__|job|inst.*'
              action: labelkeep
            """, [#"up{instance="i",job="a",zone="z"}"#]), [#"up{instance="i",job="a"}"#])
    }

    func testLabelkeepWithoutNameDropsTheSeries() {
        XCTAssertEqual(relabel("""
            - regex: job
              action: labelkeep
            """, [#"up{job="a"}"#]), [])
    }

    // MARK: lowercase, uppercase

    func testLowercaseAndUppercase() {
        XCTAssertEqual(relabel("""
            - source_labels: [env]
              target_label: env
              action: lowercase
            - source_labels: [env, region]
              target_label: key
              action: uppercase
            """, [#"up{env="Prod",region="eu-West"}"#]), [#"up{env="prod",key="PROD;EU-WEST",region="eu-West"}"#])
    }

    func testCaseMappingBeyondASCII() {
        XCTAssertEqual(relabel("""
            - source_labels: [city]
              target_label: lower
              action: lowercase
            - source_labels: [city]
              target_label: upper
              action: uppercase
            """, [#"up{city="ÄÖÜ straße"}"#]), [#"up{city="ÄÖÜ straße",lower="äöü straße",upper="ÄÖÜ STRAßE"}"#])
    }

    func testLowercaseOfAnEmptyValueRemovesTheTarget() {
        XCTAssertEqual(relabel("""
            - source_labels: [absent]
              target_label: job
              action: lowercase
            """, [#"up{job="a"}"#]), ["up"])
    }

    // MARK: together

    func testTheExamplePipelinesRules() {
        XCTAssertEqual(relabel(#"""
            - source_labels: [method]
              regex: HEAD
              action: drop
            - source_labels: [status]
              regex: '(\d)\d\d'
              target_label: status_class
              replacement: '$${1}xx'
            - source_labels: [dyno]
              regex: '([a-z]+)\.\d+'
              target_label: process_type
            - regex: dyno|status
              action: labeldrop
            - source_labels: [method]
              target_label: method
              action: lowercase
            - source_labels: [process_type, status_class]
              modulus: 10
              target_label: shard
              action: hashmod
            - source_labels: [__name__]
              regex: 'http_(.*)'
              target_label: __name__
              replacement: 'router_$1'
            """#, [#"http_requests_total{dyno="web.1",method="GET",status="200"}"#,
                   #"http_requests_total{dyno="web.2",method="POST",status="503"}"#,
                   #"http_requests_total{dyno="web.1",method="HEAD",status="200"}"#]),
            [#"router_requests_total{method="get",process_type="web",shard="2",status_class="2xx"}"#,
             #"router_requests_total{method="post",process_type="web",shard="4",status_class="5xx"}"#])
    }
}
