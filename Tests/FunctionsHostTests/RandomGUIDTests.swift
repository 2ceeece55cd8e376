@testable import FunctionsHostKit
import Testing

/// The host's invocation ids and `randGuid`: version-4 GUIDs in lower case, as `Guid.NewGuid()`.
struct RandomGUIDTests {
    @Test("16 bytes as 8-4-4-4-12 lower-case hex, the version (4) and variant (10xx) bits set over whatever was drawn")
    func format() {
        #expect(RandomGUID.format((0, 0)) == "00000000-0000-4000-8000-000000000000")
        #expect(RandomGUID.format((.max, .max)) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        // Little-endian words: byte 0 is the first word's lowest.
        #expect(RandomGUID.format((0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908)) == "00010203-0405-4607-8809-0a0b0c0d0e0f")
    }

    @Test("drawn ids differ and each has the version-4 shape")
    func drawn() {
        let ids = (0..<1000).map { _ in RandomGUID.next() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(20) {
            let characters = Array(id)
            #expect(characters.count == 36 && characters[14] == "4" && "89ab".contains(characters[19]) && id == id.lowercased())
        }
    }
}
