package apihttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// DefaultTimeout bounds one exchange when the caller's context has no
// earlier deadline.
const DefaultTimeout = 30 * time.Second

// Response is a server's answer, whatever its status, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send sends method to to's base+pathQuery with header, and body as JSON when
// not nil, and reads the answer within MaxResponseBytes (beyond it, a
// *TooLargeError, with the Response's status and headers). When no answer
// comes, the error is TransportError's
// sentence about call. Without a deadline in ctx, DefaultTimeout applies.
func Send(ctx context.Context, hc *http.Client, call string, to Endpoint, method, pathQuery string, header http.Header, body []byte) (*Response, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, to.Base.String()+pathQuery, reader)
	if err != nil {
		return nil, msg.CallFailed.Err(msg.Args{"Call": msg.Call(call), "Err": err}, err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, TransportError(ctx, call, to, err)
	}
	defer resp.Body.Close()
	raw, err := ReadAll(resp.Body, MaxResponseBytes)
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		return &Response{Status: resp.StatusCode, Header: resp.Header}, err
	}
	if err != nil {
		return nil, TransportError(ctx, call, to, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}
