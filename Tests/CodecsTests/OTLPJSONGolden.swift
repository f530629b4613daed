import Codecs

/// OTLP/JSON requests and the protobuf encoding of the same requests, as the reference
/// implementation (python `protobuf` 7 with `opentelemetry-proto` 1.45) writes them. The JSON of the three
/// full requests is `json_format.MessageToJson` with trace and span ids rewritten from base64 to
/// hex, as OTLP/JSON wants; each hand-written case was read with `json_format.ParseDict` (ids
/// turned back into base64 first, unknown fields ignored) and serialized.
enum OTLPJSONGolden {
    static let traceJSON = #"""
        {
          "resourceSpans": [
            {
              "resource": {
                "attributes": [
                  {"key": "service.name", "value": {"stringValue": "checkout"}},
                  {"key": "host.up", "value": {"boolValue": true}},
                  {"key": "pid", "value": {"intValue": "4242"}},
                  {"key": "load", "value": {"doubleValue": 0.75}},
                  {
                    "key": "tags",
                    "value": {
                      "arrayValue": {
                        "values": [{"stringValue": "a"}, {"intValue": "1"}, {"boolValue": false}, {"doubleValue": 2.5}]
                      }
                    }
                  },
                  {
                    "key": "labels",
                    "value": {
                      "kvlistValue": {
                        "values": [
                          {"key": "team", "value": {"stringValue": "core"}},
                          {
                            "key": "tier",
                            "value": {"kvlistValue": {"values": [{"key": "n", "value": {"intValue": "-7"}}]}}
                          }
                        ]
                      }
                    }
                  },
                  {"key": "blob", "value": {"bytesValue": "AP8Q/g=="}}
                ],
                "droppedAttributesCount": 1
              },
              "scopeSpans": [
                {
                  "scope": {
                    "name": "io.pipectl.http",
                    "version": "1.2.3",
                    "attributes": [{"key": "scope.attr", "value": {"stringValue": "x"}}],
                    "droppedAttributesCount": 2
                  },
                  "spans": [
                    {
                      "traceId": "5b8efff798038103d269b633813fc60c",
                      "spanId": "eee19b7ec3c1b174",
                      "traceState": "rojo=00f067aa0ba902b7",
                      "parentSpanId": "0102030405060708",
                      "name": "GET /cart",
                      "kind": "SPAN_KIND_SERVER",
                      "startTimeUnixNano": "1700000000123456789",
                      "endTimeUnixNano": "1700000000987654321",
                      "attributes": [
                        {"key": "http.status_code", "value": {"intValue": "500"}},
                        {"key": "retry", "value": {"intValue": "-3"}},
                        {"key": "ratio", "value": {"doubleValue": -1.5e-07}}
                      ],
                      "droppedAttributesCount": 3,
                      "events": [
                        {
                          "timeUnixNano": "1700000000200000000",
                          "name": "exception",
                          "attributes": [{"key": "exception.message", "value": {"stringValue": "boom \"quoted\""}}],
                          "droppedAttributesCount": 1
                        },
                        {"timeUnixNano": "1700000000300000000", "name": "retry"}
                      ],
                      "droppedEventsCount": 4,
                      "links": [
                        {
                          "traceId": "0cc63f8133b669d203810398f7ff8e5b",
                          "spanId": "0102030405060708",
                          "traceState": "a=b",
                          "attributes": [{"key": "link.kind", "value": {"stringValue": "follows"}}],
                          "droppedAttributesCount": 5,
                          "flags": 256
                        }
                      ],
                      "droppedLinksCount": 6,
                      "status": {"message": "internal error", "code": "STATUS_CODE_ERROR"},
                      "flags": 769
                    },
                    {
                      "traceId": "5b8efff798038103d269b633813fc60c",
                      "spanId": "0102030405060708",
                      "parentSpanId": "eee19b7ec3c1b174",
                      "name": "SELECT",
                      "kind": "SPAN_KIND_CLIENT",
                      "startTimeUnixNano": "1",
                      "endTimeUnixNano": "2",
                      "status": {"code": "STATUS_CODE_OK"}
                    }
                  ],
                  "schemaUrl": "https://opentelemetry.io/schemas/1.20.0"
                }
              ],
              "schemaUrl": "https://opentelemetry.io/schemas/1.21.0"
            }
          ]
        }
        """#
    static let traceProtobuf = """
        0adf050abc010a1a0a0c736572766963652e6e616d65120a0a08636865636b6f75740a0d0a07686f73742e7570120210\
        010a0a0a0370696412031892210a110a046c6f6164120921000000000000e83f0a220a0474616773121a2a180a030a01\
        610a0218010a0210000a092100000000000004400a3a0a066c6162656c731230322e0a0e0a047465616d12060a04636f\
        72650a1c0a0474696572121432120a100a016e120b18f9ffffffffffffffff010a0e0a04626c6f6212063a0400ff10fe\
        100112f4030a2d0a0f696f2e7069706563746c2e687474701205312e322e331a110a0a73636f70652e6174747212030a\
        0178200212d1020a105b8efff798038103d269b633813fc60c1208eee19b7ec3c1b1741a15726f6a6f3d303066303637\
        61613062613930326237220801020304050607082a09474554202f6361727430023915cd853dfe9c971741b1680871fe\
        9c97174a170a10687474702e7374617475735f636f6465120318f4034a140a057265747279120b18fdffffffffffffff\
        ff014a120a05726174696f12092176830df4f52184be50035a3c0900c21542fe9c97171209657863657074696f6e1a24\
        0a11657863657074696f6e2e6d657373616765120f0a0d626f6f6d202271756f7465642220015a100900a30b48fe9c97\
        171205726574727960046a400a100cc63f8133b669d203810398f7ff8e5b120801020304050607081a03613d6222160a\
        096c696e6b2e6b696e6412090a07666f6c6c6f77732805350001000070067a12120e696e7465726e616c206572726f72\
        180285010103000012460a105b8efff798038103d269b633813fc60c120801020304050607082208eee19b7ec3c1b174\
        2a0653454c45435430033901000000000000004102000000000000007a0218011a2768747470733a2f2f6f70656e7465\
        6c656d657472792e696f2f736368656d61732f312e32302e301a2768747470733a2f2f6f70656e74656c656d65747279\
        2e696f2f736368656d61732f312e32312e30
        """

    static let logsJSON = #"""
        {
          "resourceLogs": [
            {
              "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
              "scopeLogs": [
                {
                  "scope": {"name": "app"},
                  "logRecords": [
                    {
                      "timeUnixNano": "1700000000000000001",
                      "severityNumber": "SEVERITY_NUMBER_WARN2",
                      "severityText": "WARN",
                      "body": {
                        "kvlistValue": {
                          "values": [
                            {
                              "key": "msg",
                              "value": {"stringValue": "caf\u00e9 \ud83d\ude00 tab\there\nnew \"q\" back\\slash \u0001"}
                            },
                            {
                              "key": "list",
                              "value": {
                                "arrayValue": {
                                  "values": [
                                    {"intValue": "1"},
                                    {"stringValue": "two"},
                                    {"arrayValue": {"values": [{"doubleValue": 3.5}, {"boolValue": true}]}},
                                    {"kvlistValue": {"values": [{"key": "k", "value": {"bytesValue": "AQI="}}]}}
                                  ]
                                }
                              }
                            },
                            {"key": "empty", "value": {"stringValue": ""}}
                          ]
                        }
                      },
                      "attributes": [
                        {"key": "user.id", "value": {"intValue": "12345678901234"}},
                        {"key": "neg", "value": {"intValue": "-9223372036854775808"}}
                      ],
                      "droppedAttributesCount": 7,
                      "flags": 1,
                      "traceId": "5b8efff798038103d269b633813fc60c",
                      "spanId": "eee19b7ec3c1b174",
                      "observedTimeUnixNano": "1700000000000000002",
                      "eventName": "user.login"
                    },
                    {
                      "timeUnixNano": "5",
                      "severityNumber": "SEVERITY_NUMBER_FATAL4",
                      "body": {
                        "arrayValue": {
                          "values": [
                            {"stringValue": "x"},
                            {"intValue": "2"},
                            {"kvlistValue": {"values": [{"key": "y", "value": {"boolValue": false}}]}}
                          ]
                        }
                      }
                    }
                  ]
                }
              ]
            }
          ]
        }
        """#
    static let logsProtobuf = """
        0abc020a170a150a0c736572766963652e6e616d6512050a0361706912a0020a050a0361707012ef010901002a36fe9c\
        9717100e1a045741524e2a7b32790a310a036d7367122a0a28636166c3a920f09f98802074616209686572650a6e6577\
        20227122206261636b5c736c61736820010a370a046c697374122f2a2d0a0218010a050a0374776f0a112a0f0a092100\
        00000000000c400a0210010a0d320b0a090a016b12043a0201020a0b0a05656d70747912020a0032130a07757365722e\
        6964120818f2dfb89ea7e70232120a036e6567120b1880808080808080808001380745010000004a105b8efff7980381\
        03d269b633813fc60c5208eee19b7ec3c1b1745902002a36fe9c9717620a757365722e6c6f67696e1225090500000000\
        00000010182a182a160a030a01780a0218020a0b32090a070a017912021000
        """

    static let metricsJSON = #"""
        {
          "resourceMetrics": [
            {
              "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "db"}}]},
              "scopeMetrics": [
                {
                  "scope": {"name": "meter"},
                  "metrics": [
                    {
                      "name": "temp",
                      "description": "temperature",
                      "unit": "Cel",
                      "gauge": {
                        "dataPoints": [
                          {
                            "startTimeUnixNano": "10",
                            "timeUnixNano": "20",
                            "asDouble": "NaN",
                            "attributes": [{"key": "room", "value": {"stringValue": "a"}}]
                          },
                          {
                            "timeUnixNano": "21",
                            "exemplars": [
                              {
                                "timeUnixNano": "22",
                                "asDouble": 0.0,
                                "spanId": "eee19b7ec3c1b174",
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "filteredAttributes": [{"key": "ex", "value": {"stringValue": "1"}}]
                              }
                            ],
                            "asInt": "-5",
                            "flags": 1
                          }
                        ]
                      },
                      "metadata": [{"key": "meta", "value": {"stringValue": "data"}}]
                    },
                    {
                      "name": "requests",
                      "sum": {
                        "dataPoints": [
                          {
                            "startTimeUnixNano": "1700000000000000000",
                            "timeUnixNano": "1700000060000000000",
                            "asInt": "9007199254740993"
                          },
                          {"timeUnixNano": "3", "asInt": "0"}
                        ],
                        "aggregationTemporality": "AGGREGATION_TEMPORALITY_DELTA",
                        "isMonotonic": true
                      }
                    },
                    {
                      "name": "latency",
                      "unit": "s",
                      "histogram": {
                        "dataPoints": [
                          {
                            "startTimeUnixNano": "1",
                            "timeUnixNano": "2",
                            "count": "6",
                            "sum": 0.0,
                            "bucketCounts": ["1", "0", "5"],
                            "explicitBounds": [0.1, "Infinity"],
                            "exemplars": [{"timeUnixNano": "3", "asInt": "7"}],
                            "min": 0.0,
                            "max": 12.5
                          },
                          {}
                        ],
                        "aggregationTemporality": "AGGREGATION_TEMPORALITY_CUMULATIVE"
                      }
                    },
                    {
                      "name": "sizes",
                      "exponentialHistogram": {
                        "dataPoints": [
                          {
                            "attributes": [{"key": "h", "value": {"stringValue": "1"}}],
                            "startTimeUnixNano": "1",
                            "timeUnixNano": "2",
                            "count": "9",
                            "sum": -3.25,
                            "scale": -2,
                            "zeroCount": "1",
                            "positive": {"offset": -3, "bucketCounts": ["2", "0", "300"]},
                            "negative": {"offset": 4, "bucketCounts": ["1"]},
                            "exemplars": [{"asDouble": -0.5}],
                            "min": -1.0,
                            "max": 0.0,
                            "zeroThreshold": 1e-09
                          }
                        ],
                        "aggregationTemporality": "AGGREGATION_TEMPORALITY_DELTA"
                      }
                    },
                    {
                      "name": "rtt",
                      "summary": {
                        "dataPoints": [
                          {
                            "startTimeUnixNano": "1",
                            "timeUnixNano": "2",
                            "count": "3",
                            "sum": "Infinity",
                            "quantileValues": [{"value": "-Infinity"}, {"quantile": 0.99, "value": 1.5}],
                            "flags": 1
                          }
                        ]
                      }
                    }
                  ]
                }
              ]
            }
          ]
        }
        """#
    static let metricsProtobuf = """
        0aeb040a160a140a0c736572766963652e6e616d6512040a02646212d0040a070a056d6574657212a5010a0474656d70\
        120b74656d70657261747572651a0343656c2a7b0a28110a0000000000000019140000000000000021000000000000f8\
        7f3a0b0a04726f6f6d12030a01610a4f1915000000000000002a391116000000000000001900000000000000002208ee\
        e19b7ec3c1b1742a105b8efff798038103d269b633813fc60c3a090a02657812030a013131fbffffffffffffff400162\
        0e0a046d65746112060a046461746112410a0872657175657374733a350a1b1100002a36fe9c9717190058712e0c9d97\
        173101000000000020000a1219030000000000000031000000000000000010011801128a010a076c6174656e63791a01\
        734a7c0a7611010000000000000019020000000000000021060000000000000029000000000000000032180100000000\
        000000000000000000000005000000000000003a109a9999999999b93f000000000000f07f4212110300000000000000\
        3107000000000000005900000000000000006100000000000029400a001002127d0a0573697a657352740a700a080a01\
        6812030a0131110100000000000000190200000000000000210900000000000000290000000000000ac0300339010000\
        00000000004208080512040200ac024a0508081201015a0919000000000000e0bf61000000000000f0bf690000000000\
        0000007195d626e80b2e113e1001124e0a037274745a470a451101000000000000001902000000000000002103000000\
        0000000029000000000000f07f320911000000000000f0ff321209ae47e17a14aeef3f11000000000000f83f4001
        """

    /// Smaller requests, each about one feature: (name, signal, OTLP/JSON, protobuf hex).
    static let cases: [(name: String, signal: OTLPSignal, json: String, protobuf: String)] = [
        ("snakeCaseIntegerEnumsAndNumbers", .traces, #"{"resource_spans":[{"schema_url":"s","scope_spans":[{"spans":[{"trace_id":"5B8EFFF798038103D269B633813FC60C","span_id":"eee19b7ec3c1b174","parent_span_id":"","name":"n","kind":2,"start_time_unix_nano":1700000000123456789,"end_time_unix_nano":"1700000000987654321","dropped_attributes_count":"3","attributes":[{"key":"i","value":{"int_value":-42}},{"key":"d","value":{"double_value":"2.5"}}],"status":{"code":2,"message":"m"}}]}]}]}"#,
         "0a651260125e0a105b8efff798038103d269b633813fc60c1208eee19b7ec3c1b1742a016e30023915cd853dfe9c971741b1680871fe9c97174a100a0169120b18d6ffffffffffffffff014a0e0a0164120921000000000000044050037a0512016d18021a0173"),
        ("unknownFieldsAtEveryLevel", .logs, #"{"x":{"a":[1,-2.5e3,true,false,null,"s\"\\\u00e9"],"b":{}},"resourceLogs":[{"x":[],"resource":{"x":{"y":[[[]]]},"attributes":[{"x":1,"key":"k","value":{"x":"y","stringValue":"v"}}]},"scopeLogs":[{"scope":{"x":null,"name":"s"},"logRecords":[{"x":{"traceId":"zz"},"severityNumber":"SEVERITY_NUMBER_INFO","body":{"x":0,"intValue":"7"}}],"x":"y"}]}],"z":-0}"#,
         "0a1b0a0a0a080a016b12030a0176120d0a030a0173120610092a021807"),
        ("nullIsAbsent", .traces, #"{"resourceSpans":[{"resource":null,"schemaUrl":null,"scopeSpans":[{"scope":null,"spans":[{"traceId":null,"name":null,"kind":null,"attributes":null,"status":null,"startTimeUnixNano":"5"}]}]}]}"#,
         "0a0d120b1209390500000000000000"),
        ("escapesAndSurrogatePairs", .logs, #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"\"\\\/\b\f\n\r\t \u00E9\u00e9 \u20ac \ud83d\ude00 \uD83C\uDF89 é€😀 \u0000"},"severityText":"tr\u0061ce"}]}]}]}"#,
         "0a36123412321a0574726163652a290a27225c2f080c0a0d0920c3a9c3a920e282ac20f09f988020f09f8e8920c3a9e282acf09f98802000"),
        ("escapedKeys", .traces, #"{"resource\u0053pans":[{"scopeSpans":[{"spans":[{"trace\u0049d":"5b8efff798038103d269b633813fc60c","name":"a"}]}]}]}"#,
         "0a19121712150a105b8efff798038103d269b633813fc60c2a0161"),
        ("base64Alphabets", .logs, #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"std","value":{"bytesValue":"+/8Q/g=="}},{"key":"url","value":{"bytesValue":"-_8Q_g"}},{"key":"one","value":{"bytesValue":"AQ=="}},{"key":"two","value":{"bytesValue":"AQI"}},{"key":"empty","value":{"bytesValue":""}}]}]}]}]}"#,
         "0a4812461244320d0a0373746412063a04fbff10fe320d0a0375726c12063a04fbff10fe320a0a036f6e6512033a0101320b0a0374776f12043a020102320b0a05656d70747912023a00"),
        ("presenceOfZeroValues", .logs, #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":0,"severityText":"","flags":0,"attributes":[{"key":"s","value":{"stringValue":""}},{"key":"b","value":{"boolValue":false}},{"key":"i","value":{"intValue":0}},{"key":"d","value":{"doubleValue":0}},{"key":"","value":{}}]}]}]}]}"#,
         "0a331231122f32070a017312020a0032070a01621202100032070a016912021800320e0a0164120921000000000000000032021200"),
        ("optionalZeroesAreWritten", .metrics, #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"count":0,"sum":0,"min":0,"max":-0.0,"bucketCounts":[],"explicitBounds":[]},{"count":"0"}]}},{"exponentialHistogram":{"dataPoints":[{"sum":0,"min":0,"max":0,"scale":0,"zeroThreshold":0,"positive":{"offset":0,"bucketCounts":[0]}}]}},{"gauge":{"dataPoints":[{"asDouble":0},{"asInt":0}]}}]}]}]}"#,
         "0a65126312214a1f0a1b2900000000000000005900000000000000006100000000000000800a00122452220a20290000000000000000420312010061000000000000000069000000000000000012182a160a092100000000000000000a09310000000000000000"),
        ("numberSpellings", .metrics, #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"aggregationTemporality":"1","dataPoints":[{"asDouble":1E3,"timeUnixNano":1.7e18,"startTimeUnixNano":"18446744073709551615"},{"asDouble":-2.5e-3},{"asInt":-9223372036854775808},{"asDouble":"-Infinity"},{"asDouble":"1.25e2","flags":"4294967295"}]}}]}]}]}"#,
         "0a57125512533a510a1b11ffffffffffffffff1900002a36fe9c9717210000000000408f400a09217b14ae47e17a64bf0a093100000000000000800a0921000000000000f0ff0a0f210000000000405f4040ffffffff0f1001")
    ]
}
