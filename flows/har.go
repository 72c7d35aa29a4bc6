package flows

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// HTTP Archive 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the
// format browser devtools export and support desks read.

type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
	Comment string     `json:"comment"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	Comment         string      `json:"comment,omitempty"`
}

type harPair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harPair    `json:"cookies"`
	Headers     []harPair    `json:"headers"`
	QueryString []harPair    `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harPair  `json:"cookies"`
	Headers     []harPair  `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// harComment tells whoever reads the archive why values and sizes differ
// from what went over the wire.
const harComment = "Exported by the QEX Companion inspector. Secrets, tokens, JWTs and signatures are replaced by " +
	Redacted + "; bodies are redacted copies (JSON re-indented, long bodies cut), so their sizes on the wire are unknown (-1)."

// HAR returns exchanges as an HTTP Archive 1.2 log, indented JSON, for a
// partner to attach to a support ticket. Everything in it comes from the
// exchanges' redacted fields, so it holds no secret. creator names the app
// as a product token, "name/version".
func HAR(exchanges []HTTPExchange, creator string) ([]byte, error) {
	name, version, _ := strings.Cut(creator, "/")
	har := harFile{Log: harLog{Version: "1.2", Creator: harCreator{Name: name, Version: version}, Entries: []harEntry{}, Comment: harComment}}
	for _, ex := range exchanges {
		har.Log.Entries = append(har.Log.Entries, harEntryOf(ex))
	}
	return json.MarshalIndent(har, "", "  ")
}

func harEntryOf(ex HTTPExchange) harEntry {
	ms := float64(ex.Latency.Microseconds()) / 1000
	reqHeaders, respHeaders := headerPairs(ex.RequestHeaders), headerPairs(ex.ResponseHeaders)
	e := harEntry{
		StartedDateTime: ex.Start.Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            ms,
		Request: harRequest{
			Method: ex.Method, URL: ex.URL, HTTPVersion: ex.Proto,
			Cookies: []harPair{}, Headers: reqHeaders, QueryString: queryPairs(ex.URL),
			HeadersSize: -1, BodySize: bodySize(ex.RequestBody),
		},
		Response: harResponse{
			Status: ex.Status, StatusText: http.StatusText(ex.Status), HTTPVersion: ex.Proto,
			Cookies: []harPair{}, Headers: respHeaders,
			Content:     harContent{Size: len(ex.ResponseBody), MimeType: headerValue(respHeaders, "Content-Type"), Text: ex.ResponseBody},
			HeadersSize: -1, BodySize: bodySize(ex.ResponseBody),
		},
		Timings: harTimings{Wait: ms},
	}
	if ex.RequestBody != "" {
		e.Request.PostData = &harPostData{MimeType: headerValue(reqHeaders, "Content-Type"), Text: ex.RequestBody}
	}
	if ex.Err != "" {
		e.Comment = "No answer: " + ex.Err
	}
	return e
}

// headerPairs parses the inspector's "Name: value" lines back into pairs.
func headerPairs(text string) []harPair {
	pairs := []harPair{}
	for line := range strings.Lines(text) {
		name, value, ok := strings.Cut(strings.TrimSuffix(line, "\n"), ": ")
		if ok {
			pairs = append(pairs, harPair{Name: name, Value: value})
		}
	}
	return pairs
}

func headerValue(pairs []harPair, name string) string {
	for _, p := range pairs {
		if strings.EqualFold(p.Name, name) {
			return p.Value
		}
	}
	return ""
}

// queryPairs lists a URL's query parameters in the order they were sent.
func queryPairs(rawURL string) []harPair {
	pairs := []harPair{}
	u, err := url.Parse(rawURL)
	if err != nil || u.RawQuery == "" {
		return pairs
	}
	for part := range strings.SplitSeq(u.RawQuery, "&") {
		name, value, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		pairs = append(pairs, harPair{Name: name, Value: value})
	}
	return pairs
}

// bodySize is 0 for no body and -1 (unknown) for one: the exchange keeps a
// redacted copy, not what went over the wire.
func bodySize(body string) int {
	if body == "" {
		return 0
	}
	return -1
}
