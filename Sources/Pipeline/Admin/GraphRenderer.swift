import Codecs
import NIOCore

/// The pipeline DAG as DOT, Mermaid or JSON.
public enum GraphRenderer {
    /// Graphviz DOT: inputs as boxes, transforms as ellipses, outputs as double octagons.
    public static func dot(_ config: PipelineConfig) -> String {
        var lines = ["digraph pipeline {", "  rankdir=LR;"]
        for c in config.components {
            let shape = c.role == .input ? "box" : (c.role == .transform ? "ellipse" : "doubleoctagon")
            lines.append("  \"\(c.id)\" [shape=\(shape), label=\"\(c.id)\\n(\(c.type.name))\"];")
        }
        for c in config.components {
            for ref in c.upstreams {
                let label = ref.port.map { " [label=\"\($0)\"]" } ?? ""
                lines.append("  \"\(ref.id)\" -> \"\(c.id)\"\(label);")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Mermaid flowchart.
    public static func mermaid(_ config: PipelineConfig) -> String {
        var lines = ["flowchart LR"]
        for c in config.components {
            let (open, close) = c.role == .input ? ("[", "]") : (c.role == .transform ? ("(", ")") : ("[[", "]]"))
            lines.append("  \(c.id)\(open)\"\(c.id) (\(c.type.name))\"\(close)")
        }
        for c in config.components {
            for ref in c.upstreams {
                let label = ref.port.map { "|\($0)|" } ?? ""
                lines.append("  \(ref.id) -->\(label) \(c.id)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"nodes":[{"id","kind","type"}],"edges":[{"from","port","to"}]}`.
    public static func json(_ config: PipelineConfig) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeStaticString("{\"nodes\":[")
        for (i, c) in config.components.enumerated() {
            if i > 0 { b.writeStaticString(",") }
            b.writeStaticString("{\"id\":"); JSONWriter.writeString(c.id, into: &b)
            b.writeStaticString(",\"kind\":"); JSONWriter.writeString(c.role.rawValue, into: &b)
            b.writeStaticString(",\"type\":"); JSONWriter.writeString(c.type.name, into: &b)
            b.writeStaticString("}")
        }
        b.writeStaticString("],\"edges\":[")
        var first = true
        for c in config.components {
            for ref in c.upstreams {
                if !first { b.writeStaticString(",") }
                first = false
                b.writeStaticString("{\"from\":"); JSONWriter.writeString(ref.id, into: &b)
                if let port = ref.port { b.writeStaticString(",\"port\":"); JSONWriter.writeString(port, into: &b) }
                b.writeStaticString(",\"to\":"); JSONWriter.writeString(c.id, into: &b)
                b.writeStaticString("}")
            }
        }
        b.writeStaticString("]}\n")
        return b
    }
}
