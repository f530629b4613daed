import Inputs
import Outputs
import Pipeline
import Transforms

/// Every component type pipectl ships: the one place where components are registered.
enum Components {
    static let registry = ComponentRegistry([
        // Inputs
        DemoInputConfig.componentType,
        FileInputConfig.componentType,
        HerokuDrainInputConfig.componentType,
        OpenTelemetryInputConfig.componentType,
        HostMetricsInputConfig.componentType,
        InternalMetricsInputConfig.componentType,
        PrometheusScrapeInputConfig.componentType,
        StdinInputConfig.componentType,
        SyslogInputConfig.componentType,
        // Transforms
        CardinalityLimitTransformConfig.componentType,
        FilterTransformConfig.componentType,
        L2metTransformConfig.componentType,
        LogfmtTransformConfig.componentType,
        LogToMetricTransformConfig.componentType,
        RegexTransformConfig.componentType,
        RelabelTransformConfig.componentType,
        SpanMetricsTransformConfig.componentType,
        // Outputs
        BlackholeOutputConfig.componentType,
        CloudWatchLogsOutputConfig.componentType,
        ElasticsearchOutputConfig.componentType,
        FileOutputConfig.componentType,
        LokiOutputConfig.componentType,
        OpenTelemetryOutputConfig.componentType,
        PrometheusExporterOutputConfig.componentType,
        RemoteWriteOutputConfig.componentType,
        StdoutOutputConfig.componentType,
        SyslogOutputConfig.componentType,
    ])
}
