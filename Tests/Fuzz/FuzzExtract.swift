import ChargebackCore

/// One libFuzzer input: an envelope, extracted. It must give an event or a reason code; an accepted
/// event must have meters that can be: none negative, none beyond 10¹², reasoning within output.
/// Anything else (a crash, a trap, an implausible meter) stops the fuzzer with the input saved.
/// Built by `scripts/lib/fuzz.sh` (plain swiftc: SwiftPM renames an executable's main, and
/// libFuzzer brings its own).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExtract(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    guard let event = try? UsageExtractor().extract(bytes) else { return 0 }
    let meters = event.meters
    let values = [meters.inputTokens, meters.cachedInputTokens, meters.cacheWriteInputTokens, meters.outputTokens, meters.reasoningTokens, meters.audioInputTokens,
                  meters.audioOutputTokens, meters.imageInputTokens, meters.imageOutputTokens, meters.images, meters.audioMilliseconds]
    if !values.allSatisfy({ $0 >= 0 && $0 <= 1_000_000_000_000 }) || meters.reasoningTokens > meters.outputTokens {
        fatalError("implausible meters from an accepted envelope: \(meters)")
    }
    return 0
}
