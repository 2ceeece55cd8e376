/// How the local host serves: from the command line.
public struct HostSettings: Sendable {
    /// The folder holding host.json.
    public var appRoot: String
    /// Port on 127.0.0.1 for clients.
    public var port: Int
    /// Accepted keys.
    public var keys: HostKeys
    /// Largest client request body (default 100 MB, like the real host; `FUNCTIONS_REQUEST_BODY_SIZE_LIMIT`).
    public var maxBodyBytes: Int
    /// How long a client request waits for a (re)starting handler before 503.
    public var handlerWaitMilliseconds: Int
    /// The host version string sent in `X-Azure-Functions-HostVersion`.
    public var hostVersion: String
    /// Where keys generated at start were written (the banner shows keys masked only).
    public var generatedKeysFile: String?
    /// Proxying mode: the longest wait for the handler's next bytes (YARP's `ActivityTimeout`, 240 s).
    public var proxyActivityTimeoutMilliseconds = 240_000

    public init(appRoot: String, port: Int, keys: HostKeys, maxBodyBytes: Int = 104_857_600,
                handlerWaitMilliseconds: Int = 10_000, hostVersion: String = "4.1037.0.0") {
        self.appRoot = appRoot
        self.port = port
        self.keys = keys
        self.maxBodyBytes = maxBodyBytes
        self.handlerWaitMilliseconds = handlerWaitMilliseconds
        self.hostVersion = hostVersion
    }
}
