import Pipeline

/// `file`: tails a file of newline-delimited logs, following rotation, resuming where it stopped.
///
/// - path (string, required)
/// - start_at (beginning|end, default beginning): where to start when no position is saved.
/// - poll_interval (duration, default 250ms): how often to look for new data at end of file.
/// - max_line_bytes (size, default 64KiB): longer lines are cut and counted.
/// - acknowledgements (bool, default false): save the position only past lines every output
///   has in its buffer (see `FileAcknowledgedPosition`).
///
/// The read position is saved in `data_dir/file_positions/<id>.json` after lines are
/// handed downstream (at most once a second, and at shutdown): a restart re-reads at most
/// the last second of lines, never skips any.
public struct FileInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "file", role: .input, produces: .fixed(.log)) {
        FileInputConfig(reader: $0)
    }

    let path: String
    let startAtEnd: Bool
    let pollInterval: Duration
    let maxLineBytes: Int
    let acknowledgements: Bool

    init(reader: ConfigReader) {
        path = reader.string("path", required: true) ?? ""
        startAtEnd = reader.choice("start_at", ["beginning", "end"], default: "beginning") == "end"
        pollInterval = reader.duration("poll_interval", default: .milliseconds(250), minimum: .milliseconds(1))
        maxLineBytes = reader.size("max_line_bytes", default: 64 * 1024)
        acknowledgements = reader.bool("acknowledgements", default: false)
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        let checkpoint = try DataDirectory.statePath(context.dataDirectory, kind: "file_positions", component: context.id,
                                                     suffix: ".json")
        return .input(FileInput(config: self, checkpointPath: checkpoint))
    }
}

struct FileInput: InputStage {
    let config: FileInputConfig
    let checkpointPath: String
    private let acknowledged = FileAcknowledgedPosition()

    init(config: FileInputConfig, checkpointPath: String) {
        self.config = config
        self.checkpointPath = checkpointPath
    }

    func run(_ context: InputContext) async throws {
        let tailer = FileTailer(path: config.path)
        var framer = LineFramer(maxLineBytes: config.maxLineBytes)
        let truncated = context.metrics.errorCounter("truncated")
        let saved = FileCheckpoint.load(checkpointPath)
        while !tailer.open(checkpoint: saved, startAtEnd: config.startAtEnd) {
            try await Task.sleep(for: config.pollInterval)
        }
        context.logger.info("tailing \(config.path) from offset \(tailer.offset)")
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: 16)
        defer { chunk.deallocate() }
        var lastSave = ContinuousClock.now
        var lastSaved = saved
        defer { save(tailer, framer, context, &lastSaved) }
        while !Task.isCancelled {
            let n = tailer.read(into: chunk)
            if n > 0 {
                var batch = LogBatch(capacity: 512)
                let before = framer.truncatedLines
                framer.frame(UnsafeRawBufferPointer(rebasing: chunk[0..<n]), timestamp: WallClock.nanoseconds(), into: &batch)
                truncated.wrappingIncrement(by: framer.truncatedLines - before, ordering: .relaxed)
                context.metrics.receivedBytes.wrappingIncrement(by: n, ordering: .relaxed)
                if !batch.isEmpty {
                    context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                    track(&batch, tailer, framer)
                    await context.emit(.logs(consume batch))
                }
                if ContinuousClock.now - lastSave >= .seconds(1) {
                    save(tailer, framer, context, &lastSaved)
                    lastSave = .now
                }
                continue
            }
            switch tailer.checkForChange() {
            case .rotated:
                // The old file was read to its end; a last line without newline ends there.
                var batch = LogBatch(capacity: 1)
                let before = framer.truncatedLines
                framer.flush(timestamp: WallClock.nanoseconds(), into: &batch)
                truncated.wrappingIncrement(by: framer.truncatedLines - before, ordering: .relaxed)
                if !batch.isEmpty {
                    context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                    track(&batch, tailer, framer)
                    await context.emit(.logs(consume batch))
                }
                context.logger.info("\(config.path) was rotated; reading the new file from its start")
                save(tailer, framer, context, &lastSaved)
            case .truncated:
                context.logger.warning("\(config.path) was truncated; reading from its start")
                save(tailer, framer, context, &lastSaved)
            case .none, .missing:
                save(tailer, framer, context, &lastSaved)
                do { try await Task.sleep(for: config.pollInterval) } catch { return }
            }
        }
    }

    /// The position of the first byte not yet handed downstream.
    private func current(_ tailer: FileTailer, _ framer: LineFramer) -> FileCheckpoint {
        FileCheckpoint(path: config.path, device: tailer.device, inode: tailer.inode,
                       offset: tailer.offset - Int64(framer.pendingBytes))
    }

    /// With acknowledgements, gives the batch a token for the position after its last line.
    private func track(_ batch: inout LogBatch, _ tailer: FileTailer, _ framer: LineFramer) {
        guard config.acknowledgements else { return }
        batch.acknowledgements.add(acknowledged.token(endingAt: current(tailer, framer)))
    }

    /// Saves the position of the first byte not yet handed downstream (with acknowledgements:
    /// not yet acknowledged), unless unchanged.
    private func save(_ tailer: FileTailer, _ framer: LineFramer, _ context: InputContext, _ last: inout FileCheckpoint?) {
        var checkpoint = current(tailer, framer)
        if config.acknowledgements {
            guard let acknowledged = acknowledged.checkpoint(current: checkpoint) else { return }
            checkpoint = acknowledged
        }
        if last == checkpoint { return }
        do {
            try checkpoint.save(checkpointPath)
            last = checkpoint
        } catch {
            context.metrics.errorCounter("checkpoint").wrappingIncrement(ordering: .relaxed)
            context.logger.error("\(error)")
        }
    }
}
