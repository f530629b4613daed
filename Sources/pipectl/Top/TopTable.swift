/// Lays `pipectl top`'s rows out as aligned text columns that fit a width.
///
/// A table wider than the terminal first cuts component ids longer than 16 characters,
/// then drops whole columns, least important first — ERR/s, BUF BYTES, KIND, P50, BYTES/s,
/// TYPE, BUF, DROPS, ERRORS, P99 — then cuts ids down to 9 characters. COMPONENT, IN/s,
/// OUT/s, BUF% and FAIL always stay; a line still too long ends in `…`. Cut ids end in `…`
/// and the last lines name the dropped columns, so nothing disappears silently.
enum TopTable {
    /// One column: its title, how it reads a row, and when it goes (lower goes first; nil never).
    struct Column: Sendable {
        let title: String
        let leftAligned: Bool
        let dropOrder: Int?
        let value: @Sendable (ComponentRow) -> String
    }

    static let columns: [Column] = [
        Column(title: "COMPONENT", leftAligned: true, dropOrder: nil) { $0.id },
        Column(title: "KIND", leftAligned: true, dropOrder: 3) { $0.kind },
        Column(title: "TYPE", leftAligned: true, dropOrder: 6) { $0.type },
        Column(title: "IN/s", leftAligned: false, dropOrder: nil) { HumanFormat.number($0.eventsInPerSecond) },
        Column(title: "OUT/s", leftAligned: false, dropOrder: nil) { HumanFormat.number($0.eventsOutPerSecond) },
        Column(title: "BYTES/s", leftAligned: false, dropOrder: 5) { HumanFormat.bytes($0.bytesInPerSecond) },
        Column(title: "ERRORS", leftAligned: false, dropOrder: 9) { HumanFormat.number(Double($0.errors)) },
        Column(title: "ERR/s", leftAligned: false, dropOrder: 1) { HumanFormat.number($0.errorsPerSecond) },
        Column(title: "DROPS", leftAligned: false, dropOrder: 8) { HumanFormat.number(Double($0.drops)) },
        Column(title: "BUF", leftAligned: false, dropOrder: 7) { HumanFormat.number($0.bufferEvents.map(Double.init)) },
        Column(title: "BUF BYTES", leftAligned: false, dropOrder: 2) { HumanFormat.bytes($0.bufferBytes.map(Double.init)) },
        Column(title: "BUF%", leftAligned: false, dropOrder: nil) { HumanFormat.percent($0.bufferFill) },
        Column(title: "P50", leftAligned: false, dropOrder: 4) { HumanFormat.seconds($0.latencyP50) },
        Column(title: "P99", leftAligned: false, dropOrder: 10) { HumanFormat.seconds($0.latencyP99) },
        Column(title: "FAIL", leftAligned: true, dropOrder: nil) { $0.failing.map { $0 ? "yes" : "no" } ?? "-" },
    ]

    /// Ids are cut to this before any column is dropped, and to `minimumIdWidth` after.
    static let preferredIdWidth = 16
    static let minimumIdWidth = 9
    static let separator = "  "

    /// The header, one line per row, and a note naming dropped columns; no line is longer
    /// than `width` (nil: as wide as the table needs).
    static func lines(_ rows: [ComponentRow], width: Int?) -> [String] {
        var shown = columns
        var cells = rows.map { row in columns.map { $0.value(row) } }
        var widths = columns.indices.map { i in cells.reduce(columns[i].title.count) { max($0, $1[i].count) } }
        var hidden: [String] = []
        if let width {
            func total() -> Int { widths.reduce(0, +) + separator.count * (widths.count - 1) }
            widths[0] = min(widths[0], max(preferredIdWidth, widths[0] - (total() - width)))
            let droppable = shown.indices.filter { shown[$0].dropOrder != nil }.sorted { shown[$0].dropOrder! < shown[$1].dropOrder! }
            var dropped: Set<Int> = []
            for i in droppable where total() - dropped.reduce(0, { $0 + widths[$1] + separator.count }) > width {
                dropped.insert(i)
            }
            hidden = droppable.filter(dropped.contains).map { shown[$0].title }
            let kept = shown.indices.filter { !dropped.contains($0) }
            shown = kept.map { shown[$0] }
            widths = kept.map { widths[$0] }
            cells = cells.map { row in kept.map { row[$0] } }
            widths[0] = min(widths[0], max(minimumIdWidth, widths[0] - (total() - width)))
        }
        var out = [line(shown.map(\.title), shown, widths)] + cells.map { line($0, shown, widths) }
        out = width.map { w in out.map { cut($0, to: w) } } ?? out
        if !hidden.isEmpty { out += note(hidden, width: width ?? .max) }
        return out
    }

    /// `hidden columns: A, B, …` wrapped at commas to `width`, continued lines indented.
    static func note(_ hidden: [String], width: Int) -> [String] {
        var lines = ["hidden columns:"]
        for (i, title) in hidden.enumerated() {
            let item = " " + title + (i < hidden.count - 1 ? "," : "")
            if lines[lines.count - 1].count + item.count > width { lines.append(" ") }
            lines[lines.count - 1] += item
        }
        return lines.map { cut($0, to: width) }
    }

    /// Cells padded to their column's width (ids cut with `…`), joined by the separator.
    private static func line(_ cells: [String], _ shown: [Column], _ widths: [Int]) -> String {
        var text = ""
        for (i, cell) in cells.enumerated() {
            let fitted = cut(cell, to: widths[i])
            let pad = String(repeating: " ", count: widths[i] - fitted.count)
            if i > 0 { text += separator }
            text += shown[i].leftAligned ? fitted + (i == cells.count - 1 ? "" : pad) : pad + fitted
        }
        return text
    }

    /// `text` if it fits `width` characters, else its start and `…` in exactly `width`.
    static func cut(_ text: String, to width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 0 else { return "" }
        return String(text.prefix(width - 1)) + "…"
    }
}
