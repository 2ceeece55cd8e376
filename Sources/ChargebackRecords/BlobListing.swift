/// One page of a List Blobs answer (`EnumerationResults`): the blobs' names and the marker of the
/// next page. Only `<Blobs><Blob><Name>` and `<NextMarker>` are read; entities in them are decoded.
/// A name sent `Encoded="true"` (it holds characters XML cannot carry) is never one of ours: skipped.
struct BlobListing: Equatable {
    var names: [String]
    var nextMarker: String?

    static func parse(_ body: [UInt8]) throws -> BlobListing {
        guard find(Array("<EnumerationResults".utf8), in: body, from: 0) != nil else {
            throw ArchiveError("the container listing is not an EnumerationResults document")
        }
        var names: [String] = []
        var index = 0
        let open = Array("<Blob>".utf8), close = Array("</Blob>".utf8)
        while let blob = find(open, in: body, from: index) {
            guard let end = find(close, in: body, from: blob + open.count) else { throw ArchiveError("the container listing is cut short") }
            if let name = element("Name", in: body[(blob + open.count)..<end]) { names.append(name) }
            index = end + close.count
        }
        let marker = element("NextMarker", in: body[...]).flatMap { $0.isEmpty ? nil : $0 }
        return BlobListing(names: names, nextMarker: marker)
    }

    /// Where `needle` first occurs in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>, from: Int) -> Int? {
        guard let first = needle.first, haystack.endIndex - needle.count >= from else { return nil }
        var index = max(from, haystack.startIndex)
        while index <= haystack.endIndex - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        find(needle, in: haystack[...], from: from)
    }

    /// The text of the first `<tag>…</tag>` (without attributes) in `xml`, entities decoded.
    static func element(_ tag: String, in xml: ArraySlice<UInt8>) -> String? {
        let open = Array("<\(tag)>".utf8), close = Array("</\(tag)>".utf8)
        guard let start = find(open, in: xml, from: xml.startIndex), let end = find(close, in: xml, from: start + open.count) else { return nil }
        return decodeEntities(Substring(String(decoding: xml[(start + open.count)..<end], as: UTF8.self)))
    }

    static func decodeEntities(_ text: Substring) -> String? {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            guard text[index] == "&" else {
                out.append(text[index])
                index = text.index(after: index)
                continue
            }
            guard let semicolon = text[index...].firstIndex(of: ";") else { return nil }
            let entity = text[text.index(after: index)..<semicolon]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let hex = entity.hasPrefix("#x") || entity.hasPrefix("#X")
                guard entity.hasPrefix("#"), let value = UInt32(entity.dropFirst(hex ? 2 : 1), radix: hex ? 16 : 10),
                      let scalar = Unicode.Scalar(value) else { return nil }
                out.unicodeScalars.append(scalar)
            }
            index = text.index(after: semicolon)
        }
        return out
    }
}
