/// The loops that run each role of stage as one task.
enum StageRunner {
    static func run(_ input: any InputStage, _ context: InputContext) async {
        do {
            try await input.run(context)
        } catch is CancellationError {
        } catch {
            context.metrics.errorCounter("fatal").wrappingIncrement(ordering: .relaxed)
            context.logger.error("input stopped: \(error)")
        }
        context.emitter.close()
    }

    /// Pops, transforms and emits until the inbox closes, ticking when the tick is due.
    /// Batches are handed over by ownership: `TransformOutput.takeFirst` leaves nothing behind.
    static func run(_ transform: any TransformStage, inbox: StageInbox, lane: EmitterLane, context: StageContext) async {
        var stage = transform
        var output = TransformOutput()
        let interval = stage.tickInterval
        var nextTick = interval.map { ContinuousClock.now + $0 }
        var received: EventBatch?
        loop: while true {
            switch await inbox.next(deadline: nextTick, into: &received) {
            case .batch:
                var batch = received.take()!
                context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                context.metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
                let acks = batch.takeAcknowledgements()
                stage.process(consume batch, into: &output)
                output.inherit(acks)
                // Under steady load a batch is always ready; the tick must not starve behind it.
                if let interval, let due = nextTick, ContinuousClock.now >= due {
                    stage.tick(now: WallClock.nanoseconds(), into: &output)
                    nextTick = ContinuousClock.now + interval
                }
            case .timeout:
                stage.tick(now: WallClock.nanoseconds(), into: &output)
                if let interval { nextTick = ContinuousClock.now + interval }
            case .closed:
                stage.finish(into: &output)
                await send(&output, lane)
                break loop
            }
            await send(&output, lane)
        }
    }

    private static func send(_ output: inout TransformOutput, _ lane: EmitterLane) async {
        while let (port, batch) = output.takeFirst() { await lane.emit(consume batch, port: port) }
    }

    static func run(_ output: any OutputStage, _ context: OutputContext) async {
        do {
            try await output.run(context)
        } catch is CancellationError {
        } catch {
            context.metrics.errorCounter("fatal").wrappingIncrement(ordering: .relaxed)
            context.metrics.failing.store(true, ordering: .relaxed)
            context.logger.error("output stopped: \(error); its inputs are drained and counted as dropped")
            let dropped = context.metrics.dropCounter("output_stopped")
            while let batch = await context.inbox.next() {
                dropped.wrappingIncrement(by: batch.count, ordering: .relaxed)
                batch.acknowledge(.dropped)
            }
        }
    }
}
