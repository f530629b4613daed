import Foundation

/// The text of `pipectl top`: the table alone (`--once`, pipes) or a full screen with a
/// title line, fitted to a terminal's width and height. Pure, so it is tested without one.
enum TopScreen {
    /// The table of `current`, with rates since `previous`, no wider than `width` (nil: unlimited).
    static func table(previous: ComponentsSnapshot?, current: ComponentsSnapshot, width: Int?) -> [String] {
        TopTable.lines(ComponentRow.rows(previous: previous, current: current), width: width)
    }

    /// A live frame: a title line (the snapshot's time, interval, API), a blank line and the
    /// table (rates `-` until there is a `previous`), every line under `width` (the last column is left empty so a terminal never
    /// wraps), at most `height` lines; rows that do not fit are counted on the last line.
    static func frame(previous: ComponentsSnapshot?, current: ComponentsSnapshot, width: Int, height: Int,
                      api: String, interval: String) -> [String] {
        let usable = max(width - 1, 1)
        var table = self.table(previous: previous, current: current, width: usable)
        let title = "pipectl top  \(clock(current.time))  every \(interval)  \(api)  Ctrl-C quits"
        let room = height - 2
        if table.count > room {
            let components = current.components.count
            let note = Array(table.dropFirst(components + 1))  // the hidden columns
            let kept = max(room - 2 - note.count, 0)  // less the header and the line saying what is left out
            table = Array(table.prefix(kept + 1))
                + ["… \(components - kept) more components: the terminal is \(height) lines high"] + note
        }
        return ([title, ""] + table).map { TopTable.cut($0, to: usable) }
    }

    /// `HH:MM:SS` of a Unix time, local time.
    static func clock(_ time: Double) -> String {
        var seconds = time_t(time)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
