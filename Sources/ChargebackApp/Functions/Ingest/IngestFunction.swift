import ChargebackCore
import FoundationEssentials
import FunctionsProtocol
import Logging

/// `ingest`: `POST /api/v1/ingest`, function key. The APIM policy posts each request/response pair
/// here (payload contract v1); the usage is extracted and handed to the ledger.
public struct IngestFunction: HTTPFunction {
    public static let name = "ingest"
    public static let route = "v1/ingest"
    public static let methods = ["POST"]
    public static let access = FunctionAccess.ingest

    let ledger: any Ledger
    let maxEnvelopeBytes: Int
    let extractor = UsageExtractor()

    public init(ledger: any Ledger, maxEnvelopeBytes: Int) {
        self.ledger = ledger
        self.maxEnvelopeBytes = maxEnvelopeBytes
    }

    public var bodyLimit: BodyLimit? {
        BodyLimit(bytes: maxEnvelopeBytes, code: "envelope_too_large", setting: "CHARGEBACK_MAX_ENVELOPE_BYTES")
    }

    public func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let telemetry = context.telemetry
        let event: UsageEvent
        do {
            event = try extractor.extract(request.body)
        } catch {
            context.logger.warning("envelope refused", metadata: ["error.code": "\(error.code)", "envelope.bytes": "\(request.body.count)"])
            telemetry.ingested(outcome: "refused", bytes: request.body.count)
            telemetry.extractionError(code: error.code)
            return ErrorBody.response(status: 400, code: error.code, message: error.description)
        }
        // The request id goes with each line's own metadata: setting it on a copy of the logger would
        // copy the logger's metadata dictionary on every ingest.
        let logger = context.logger
        let requestID = Logger.MetadataValue.string(event.requestId)
        do {
            let started = ContinuousClock.now
            let outcome = try await ledger.record(event)
            if outcome == .spooled {
                telemetry.redisError(operation: "ingest")
            } else {
                telemetry.redisWrite(nanoseconds: FunctionRoutes.nanoseconds(since: started))
            }
            telemetry.ingested(outcome: outcome.rawValue, bytes: request.body.count)
            // Values given as strings, not interpolated: this line is written for every ingest.
            logger.info("usage ingested", metadata: [
                "usage.request_id": requestID, "usage.subscription_id": .string(event.subscriptionId), "usage.deployment": .string(event.deployment),
                "usage.operation": .string(event.operation.rawValue), "usage.source": .string(event.usageSource.rawValue),
                "usage.input_tokens": .string(String(event.meters.inputTokens)), "usage.cached_input_tokens": .string(String(event.meters.cachedInputTokens)),
                "usage.output_tokens": .string(String(event.meters.outputTokens)), "usage.outcome": .string(outcome.rawValue),
            ])
            // Built by hand: this answer is on the hot path and has two fields.
            return FunctionResponse.json(status: 200, "{\"requestId\":\(JSONValue.quoted(event.requestId)),\"status\":\"\(outcome.rawValue)\"}")
        } catch let failure as LedgerFailure {
            telemetry.redisError(operation: "ingest")
            telemetry.ingested(outcome: "failed", bytes: request.body.count)
            logger.error("ledger write failed", metadata: ["usage.request_id": requestID, "error.code": "\(failure.code)"])
            return ErrorBody.response(status: failure.status, code: failure.code, message: failure.message)
        } catch {
            telemetry.redisError(operation: "ingest")
            telemetry.ingested(outcome: "failed", bytes: request.body.count)
            logger.error("ledger write failed", metadata: ["usage.request_id": requestID, "error.type": "\(type(of: error))"])
            return ErrorBody.response(status: 503, code: "ledger_unavailable", message: "the usage could not be recorded; it was not counted")
        }
    }
}
