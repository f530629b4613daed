import Foundation

/// The terminal `pipectl top` draws on: its size, and frames redrawn in place with ANSI
/// escapes (cursor home, erase to the end of each line and of the screen), the cursor
/// hidden while it runs and shown again by `restore()`.
final class TopTerminal: @unchecked Sendable {
    private let lock = NSLock()
    private var drawing = false

    /// True when standard output is a terminal.
    static var isInteractive: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Columns and lines of the terminal on standard output (TIOCGWINSZ), else `COLUMNS` and
    /// `LINES`, else 80×24.
    static func size() -> (width: Int, height: Int) {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 {
            return (Int(size.ws_col), Int(size.ws_row))
        }
        return (environmentNumber("COLUMNS") ?? 80, environmentNumber("LINES") ?? 24)
    }

    /// A positive number from the environment variable `name`.
    static func environmentNumber(_ name: String) -> Int? {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Replaces what is on screen with `lines`; the first call hides the cursor and clears the screen.
    func draw(_ lines: [String]) {
        var text = ""
        lock.withLock {
            if !drawing { text = "\u{1B}[?25l\u{1B}[2J" }
            drawing = true
            text += "\u{1B}[H" + lines.joined(separator: "\u{1B}[K\r\n") + "\u{1B}[K\u{1B}[J"
            Self.writeOut(text)
        }
    }

    /// Shows the cursor again below the last frame; safe to call from a signal handler's queue.
    func restore() {
        lock.withLock {
            if drawing { Self.writeOut("\u{1B}[?25h\r\n") }
            drawing = false
        }
    }

    /// Writes `text` to standard output, unbuffered, all of it.
    static func writeOut(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
