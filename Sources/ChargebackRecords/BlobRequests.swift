import CivilCalendar
import CurlClient
import FoundationEssentials

/// The Blob service requests the archive makes, built apart from sending them so tests can compare
/// them with the Storage REST reference's examples:
/// - Put Blob: https://learn.microsoft.com/rest/api/storageservices/put-blob
/// - Get Blob: https://learn.microsoft.com/rest/api/storageservices/get-blob
/// - List Blobs: https://learn.microsoft.com/rest/api/storageservices/list-blobs
/// - OAuth: https://learn.microsoft.com/rest/api/storageservices/authorize-with-azure-active-directory
///   (`Authorization: Bearer`, and `x-ms-version` 2017-11-09 or later).
struct BlobRequests {
    /// The service version every request names.
    /// 2021-12-02: long deployed in every region (a version newer than a region's fails there), and
    /// well past 2017-11-09, the first that takes a bearer token; nothing newer is needed.
    static let version = "2021-12-02"
    let containerURL: String

    func put(_ name: String, bytes: [UInt8], contentType: String, token: String, date: Date) -> CurlRequest {
        CurlRequest(method: "PUT", url: containerURL + "/" + name, headers: common(token, date) + [
            ("x-ms-blob-type", "BlockBlob"), ("Content-Type", contentType), ("If-None-Match", "*"),
        ], body: bytes, timeoutMilliseconds: 30_000, maxResponseBytes: 64 * 1024)
    }

    func get(_ name: String, token: String, date: Date) -> CurlRequest {
        CurlRequest(url: containerURL + "/" + name, headers: common(token, date), timeoutMilliseconds: 30_000, maxResponseBytes: 256 << 20)
    }

    func list(prefix: String, marker: String?, token: String, date: Date) -> CurlRequest {
        var url = containerURL + "?restype=container&comp=list&prefix=" + Self.queryEscaped(prefix)
        if let marker { url += "&marker=" + Self.queryEscaped(marker) }
        return CurlRequest(url: url, headers: common(token, date), timeoutMilliseconds: 30_000, maxResponseBytes: 64 << 20)
    }

    func common(_ token: String, _ date: Date) -> [(name: String, value: String)] {
        [("Authorization", "Bearer " + token), ("x-ms-version", Self.version), ("x-ms-date", Self.httpDate(date))]
    }

    /// RFC 1123 in GMT, as `x-ms-date` wants it: `Sun, 06 Dec 2026 10:15:30 GMT`.
    static func httpDate(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilDate.fromDays(days)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[CivilDate.weekday(ofDays: days)]), \(CivilDate.padded(day, 2)) \(months[month - 1]) \(year) "
            + "\(CivilDate.padded(Int(secondOfDay / 3600), 2)):\(CivilDate.padded(Int(secondOfDay / 60 % 60), 2)):\(CivilDate.padded(Int(secondOfDay % 60), 2)) GMT"
    }

    /// A query value: unreserved characters as they are, every other byte percent-encoded.
    static func queryEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D || byte == 0x2E
                || byte == 0x5F || byte == 0x7E
            if unreserved { out.unicodeScalars.append(UnicodeScalar(byte)) } else { out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true) }
        }
        return out
    }

    /// The `x-ms-error-code` of a failed answer (never its body, which can be long).
    static func errorCode(_ response: CurlResponse) -> String? {
        response.header("x-ms-error-code")
    }
}
