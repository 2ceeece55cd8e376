import Digest
import Testing

/// libcrypto's SHA-256 and HMAC-SHA-256 against published vectors (FIPS 180-2 examples, RFC 4231).
struct SHA256DigestTests {
    @Test("SHA-256 of the FIPS 180-2 examples and of nothing")
    func sha256() {
        #expect(SHA256Digest.hex(SHA256Digest.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex(SHA256Digest.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Digest.hex(SHA256Digest.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("HMAC-SHA-256 of RFC 4231 test cases 1, 2 and 6 (a key longer than the block)")
    func hmac() {
        #expect(SHA256Digest.hex(SHA256Digest.hmac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(SHA256Digest.hex(SHA256Digest.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(SHA256Digest.hex(SHA256Digest.hmac(key: [UInt8](repeating: 0xaa, count: 131),
                                                    message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("HMAC-SHA-256 with an empty key (libcrypto is given a non-null pointer)")
    func emptyKey() {
        #expect(SHA256Digest.hex(SHA256Digest.hmac(key: [UInt8](), message: Array("x".utf8)))
            == "4cbc96099a6467ce002461f10549b4898265ebe6188b45efacc44293516e62c4")
    }
}
