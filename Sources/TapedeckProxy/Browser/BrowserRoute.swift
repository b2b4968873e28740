/// The cassette browser's routes under `/_tapedeck/`: a page, its script and style sheet (no data, so no token
/// needed), and the JSON API they read (token needed like every other route).
enum BrowserRoute: Equatable {
    /// `GET /_tapedeck/`: the page shell.
    case page
    /// `GET /_tapedeck/browser.js`.
    case script
    /// `GET /_tapedeck/browser.css`.
    case style
    /// `GET /_tapedeck/api/cassettes?q=&model=&namespace=&offset=&limit=`: one page of the list.
    case list
    /// `GET /_tapedeck/api/cassette?key=&namespace=`: one cassette as a transcript.
    case cassette

    /// The route `path` names, or nil when it is none of the browser's.
    init?(path: Substring) {
        switch path {
        case "/_tapedeck", "/_tapedeck/": self = .page
        case "/_tapedeck/browser.js": self = .script
        case "/_tapedeck/browser.css": self = .style
        case "/_tapedeck/api/cassettes": self = .list
        case "/_tapedeck/api/cassette": self = .cassette
        default: return nil
        }
    }

    /// Whether `--auth-token` leaves the route open: the page, script and style hold no data (a browser cannot
    /// send a header when it navigates), while the API that serves cassettes asks for `x-tapedeck-token`.
    var isStatic: Bool {
        switch self {
        case .page, .script, .style: true
        case .list, .cassette: false
        }
    }
}
