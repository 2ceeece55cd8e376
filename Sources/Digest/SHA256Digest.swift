import CLibCrypto

/// SHA-256 and HMAC-SHA-256 through the system's OpenSSL libcrypto (its one-shot `EVP_Digest` and
/// `HMAC`). libcrypto fails these only when it cannot allocate, which is treated like Swift's own
/// allocation failure.
public enum SHA256Digest {
    /// The 32-byte SHA-256 of `bytes`.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        if let digest = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(bytes).withUnsafeBytes { hash($0) }
    }

    static func hash(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        var size: UInt32 = 0
        var status: Int32 = 0
        let digest = [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            status = EVP_Digest(message.baseAddress, message.count, out.baseAddress, &size, sha256, nil)
            count = status == 1 && size == 32 ? 32 : 0
        }
        precondition(status == 1 && size == 32, "libcrypto could not compute SHA-256 (out of memory)")
        return digest
    }

    /// SHA-256 fetched once. `EVP_sha256()` makes libcrypto 3 look the implementation up again on
    /// every digest, under its store's lock: the key check hashes a key on every request and the
    /// profile showed that lookup at most of the hash's cost (OpenSSL's guide, "Explicit fetching":
    /// https://www.openssl.org/docs/man3.0/man7/crypto.html#Explicit-fetching). A fetched method is
    /// immutable and may be used from any thread; it lives as long as the process.
    nonisolated(unsafe) static let sha256: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()

    /// The 32-byte HMAC-SHA-256 of `message` under `key`.
    public static func hmac(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        let keyBytes = Array(key)
        let messageBytes = Array(message)
        var code = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        let result = keyBytes.withUnsafeBytes { secret in
            messageBytes.withUnsafeBytes { data in
                code.withUnsafeMutableBufferPointer { out in
                    // A null key pointer is refused by libcrypto even when empty: point at the output instead.
                    HMAC(EVP_sha256(), secret.baseAddress ?? UnsafeRawPointer(out.baseAddress), Int32(secret.count),
                         data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, out.baseAddress, &size)
                }
            }
        }
        precondition(result != nil && size == 32, "libcrypto could not compute HMAC-SHA-256 (out of memory)")
        return code
    }

    /// `bytes` as lower-case hex.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        // Each nibble to its digit by arithmetic, into one array sized up front (this runs per request: the key check).
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digit(byte >> 4))
            text.append(digit(byte & 0x0f))
        }
        return String(decoding: text, as: UTF8.self)

        func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }
    }
}
