import Hummingbird

/// The web console: `/` and its files under `/console/`, served from the package's resources.
/// The page itself needs no token; what it asks of `/v1` does.
struct ConsoleRoutes: Sendable {
    let assets: ConsoleAssets?

    func add(to router: Router<SagaRequestContext>) {
        router.get("/") { _, _ in try serve("index.html") }
        router.get("/console/:file") { _, context in try serve(context.parameters.require("file")) }
        // Browsers ask for it; the console has none.
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
    }

    private func serve(_ name: String) throws -> Response {
        guard let assets else {
            throw Problem(.serviceUnavailable, "Console Not Installed", detail: "the console's files (saga-orchestrator_SagaHTTP.resources) are not beside the executable; the API works without them")
        }
        guard let file = assets.files[name] else {
            throw Problem.notFound("no console file '\(name)'")
        }
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes))
        )
    }
}
