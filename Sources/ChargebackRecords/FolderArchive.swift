import ChargebackCore
import FoundationEssentials
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The record archive as a local folder, with the Blob container's layout (`snapshots/…`,
/// `exports/…`): what local runs and tests use, and what `az storage blob download-batch` gives.
/// A record is written to a temporary file, flushed to disk, then linked under its name: `link`
/// fails if the name exists, so a record appears whole and is never overwritten. The file system is
/// used on NIO's thread pool, never on an event loop (the handler's rollup runs on one).
public struct FolderArchive: RecordArchive {
    public let root: String
    public var location: String { root }

    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    public func create(_ name: String, bytes: [UInt8], contentType: String) async throws -> ArchiveWrite {
        let path = root + "/" + (try RecordName.check(name))
        return try await NIOThreadPool.singleton.runIfActive { try createBlocking(path, bytes: bytes) }
    }

    func createBlocking(_ path: String, bytes: [UInt8]) throws -> ArchiveWrite {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = folder + "/.incoming-\(UInt64.random(in: 0...UInt64.max))"
        defer { unlink(temporary) }
        try write(bytes, to: temporary)
        if link(temporary, path) == 0 {
            let directory = open(folder, O_RDONLY | O_DIRECTORY)
            if directory >= 0 { fsync(directory); close(directory) }
            return .created
        }
        let failure = errno
        guard failure == EEXIST else { throw ArchiveError("\(path): cannot be created (errno \(failure))") }
        return try readBlocking(path) == bytes ? .alreadyThere : .conflict
    }

    public func read(_ name: String) async throws -> [UInt8]? {
        let path = root + "/" + (try RecordName.check(name))
        return try await NIOThreadPool.singleton.runIfActive { try readBlocking(path) }
    }

    func readBlocking(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw ArchiveError("\(path): cannot be read") }
        return Array(data)
    }

    public func names(prefix: String) async throws -> [String] {
        try await NIOThreadPool.singleton.runIfActive { namesBlocking(prefix: prefix) }
    }

    func namesBlocking(prefix: String) -> [String] {
        // Walks only the folder the prefix names (`snapshots/2026/11/` → that month's folder).
        let folder = prefix.lastIndex(of: "/").map { String(prefix[..<$0]) } ?? ""
        let start = folder.isEmpty ? root : root + "/" + folder
        guard isDirectory(start), let relatives = try? FileManager.default.subpathsOfDirectory(atPath: start) else { return [] }
        var names: [String] = []
        for relative in relatives {
            let name = folder.isEmpty ? relative : folder + "/" + relative
            // Temporary files (`.incoming-…`) and anything that is not a record name are not listed.
            guard name.hasPrefix(prefix), RecordName.isValid(name), !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  isFile(start + "/" + relative) else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    func isFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ArchiveError("\(path): cannot be created (errno \(errno))") }
        defer { close(descriptor) }
        var written = 0
        try bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ArchiveError("\(path): write failed (errno \(errno))")
                }
                written += count
            }
        }
        guard fsync(descriptor) == 0 else { throw ArchiveError("\(path): fsync failed (errno \(errno))") }
    }
}
