// Package instance keeps one running copy of the app per user. The first
// copy listens on a Unix socket in a folder only the user can open, and
// accepts a message only with a random token kept in a file only the user
// can read. Later copies hand it their deep link (or ask it to come to the
// front) and exit. Messages are small, time-limited and validated, so no
// local client can crash or block the first copy.
package instance

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/oneline"
	"github.com/qexcompanion/qex-companion/internal/privatefile"

	"github.com/qexcompanion/qex-companion/internal/appid"
)

const (
	socketName = "instance.sock"
	tokenName  = "instance.token"
	// MaxMessage bounds one message; a deep link is at most 2 KB.
	MaxMessage = 4096
	// messageTimeout bounds one exchange, so a silent client cannot hold a
	// connection.
	messageTimeout = 2 * time.Second
	// maxClients bounds connections handled at once.
	maxClients = 8
)

// DefaultDir is the per-user folder for the endpoint: under
// $XDG_RUNTIME_DIR where there is one (private to the user, cleared at
// logout), else the user's cache folder.
func DefaultDir() (string, error) {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, appid.ID), nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", msg.InstanceNoFolder.Err(msg.Args{"Err": err}, err)
	}
	return filepath.Join(dir, appid.ID), nil
}

// Handler is what the first copy does with messages.
type Handler struct {
	// OpenURL receives a deep link handed over by a later copy.
	OpenURL func(url string)
	// Raise brings the window to the front.
	Raise func()
	// Rejected hears of every refused message, and why.
	Rejected func(reason msg.Message)
}

// message is one request; exactly one of OpenURL and Raise is set.
type message struct {
	Token   string `json:"token"`
	OpenURL string `json:"open_url,omitempty"`
	Raise   bool   `json:"raise,omitempty"`
}

type reply struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// Primary is the first copy's endpoint.
type Primary struct {
	ln      net.Listener
	token   string
	mu      sync.Mutex
	handler Handler
	slots   chan struct{}
	refused *refusals
	wg      sync.WaitGroup
}

// Running is a first copy found by a later one.
type Running struct {
	socket string
	dir    string
}

// Acquire makes this process the single instance, listening in dir; or,
// when another process already is, returns it as Running.
func Acquire(dir string, h Handler) (*Primary, *Running, error) {
	if err := privateDir(dir); err != nil {
		return nil, nil, err
	}
	socket := filepath.Join(dir, socketName)
	for attempt := 0; attempt < 2; attempt++ {
		ln, err := net.Listen("unix", socket)
		if err == nil {
			return startPrimary(ln, dir, h)
		}
		conn, dialErr := net.DialTimeout("unix", socket, time.Second)
		if dialErr == nil {
			conn.Close()
			return nil, &Running{socket: socket, dir: dir}, nil
		}
		// Nobody answers: a crashed copy left its socket behind.
		if rmErr := os.Remove(socket); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			return nil, nil, msg.InstanceCannotTakeOver.Err(msg.Args{"Socket": socket, "Err": rmErr}, rmErr)
		}
	}
	return nil, nil, msg.InstanceCannotListen.Err(msg.Args{"Socket": socket})
}

// privateDir makes dir exist, belong to the user alone (0700) and be a real
// folder, not a link somewhere else.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return msg.InstanceCannotCreate.Err(msg.Args{"Dir": dir, "Err": err}, err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return msg.InstanceNotAFolder.Err(msg.Args{"Dir": dir})
	}
	if st.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return msg.InstanceOpenToOthers.Err(msg.Args{"Dir": dir, "Err": err}, err)
		}
	}
	return nil
}

// SetHandler replaces what the first copy does with messages: the window
// or the terminal, once it exists.
func (p *Primary) SetHandler(h Handler) {
	if h.Rejected == nil {
		h.Rejected = func(msg.Message) {}
	}
	p.mu.Lock()
	p.handler = h
	p.mu.Unlock()
}

func (p *Primary) current() Handler {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.handler
}

// Launch is what a launch of the app wants from a copy already running.
type Launch struct {
	Link   string // the deep link the system started this launch with
	Window bool   // this launch opens the window
}

// Claim makes this launch the one running copy, listening in dir with h
// until SetHandler; or hands the launch to the copy already running, says
// so on w, and returns done: this launch is over. A launch with neither a
// link nor a window to give the running copy is refused, since only one
// copy can receive links.
func Claim(dir string, h Handler, l Launch, w io.Writer) (p *Primary, done bool, err error) {
	primary, running, err := Acquire(dir, h)
	switch {
	case running != nil && l.Link != "":
		if err := running.OpenURL(l.Link); err != nil {
			return nil, false, err
		}
		fmt.Fprintln(w, "Handed the link to the QEX Companion that is already running.")
		return nil, true, nil
	case running != nil && l.Window:
		if err := running.Raise(); err != nil {
			return nil, false, err
		}
		fmt.Fprintln(w, "QEX Companion is already running: its window was brought to the front.")
		return nil, true, nil
	case running != nil:
		return nil, false, msg.InstanceAlreadyRunning.Err(msg.Args{"Scheme": appid.ID})
	}
	return primary, false, err
}

func startPrimary(ln net.Listener, dir string, h Handler) (*Primary, *Running, error) {
	var b [32]byte
	rand.Read(b[:]) // never fails since Go 1.24
	p := &Primary{ln: ln, token: hex.EncodeToString(b[:]), slots: make(chan struct{}, maxClients)}
	p.SetHandler(h)
	p.refused = newRefusals(func(reason msg.Message) { p.current().Rejected(reason) })
	if err := privatefile.Write(filepath.Join(dir, tokenName), []byte(p.token)); err != nil {
		ln.Close()
		return nil, nil, msg.InstanceCannotWriteToken.Err(msg.Args{"Err": err}, err)
	}
	p.wg.Add(1)
	go p.serve()
	return p, nil, nil
}

// Close stops listening and removes the socket.
func (p *Primary) Close() error {
	err := p.ln.Close() // a Unix listener removes its socket file on Close
	p.wg.Wait()
	return err
}

func (p *Primary) serve() {
	defer p.wg.Done()
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		select {
		case p.slots <- struct{}{}:
			go func() {
				defer func() { <-p.slots }()
				p.handle(conn)
			}()
		default:
			conn.Close() // too many at once: drop, never queue
			p.refused.add()
		}
	}
}

func (p *Primary) handle(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(messageTimeout)) //nolint:errcheck // a Unix socket supports deadlines
	answer := func(err error) {
		conn.SetWriteDeadline(time.Now().Add(time.Second)) //nolint:errcheck // the read deadline may have passed
		r := reply{OK: err == nil}
		if err != nil {
			r.Error = err.Error()
			p.current().Rejected(msg.InstanceRefusedMessage.New(msg.Args{"Err": err}))
		}
		json.NewEncoder(conn).Encode(r) //nolint:errcheck // the client may be gone
	}
	line, err := bufio.NewReader(io.LimitReader(conn, MaxMessage+1)).ReadSlice('\n')
	switch {
	case len(line) == 0 && errors.Is(err, io.EOF):
		return // a later copy checking whether anyone listens
	case len(line) > MaxMessage || errors.Is(err, bufio.ErrBufferFull):
		answer(msg.InstanceMessageTooLarge.Err(msg.Args{"Max": MaxMessage}))
		return
	case err != nil:
		answer(msg.InstanceMessageCut.Err(nil))
		return
	}
	var m message
	dec := json.NewDecoder(strings.NewReader(string(line)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		answer(msg.InstanceMessageNotJSON.Err(nil))
		return
	}
	if subtle.ConstantTimeCompare([]byte(m.Token), []byte(p.token)) != 1 {
		answer(msg.InstanceWrongToken.Err(nil))
		return
	}
	switch {
	case m.OpenURL != "" && !m.Raise:
		if h := p.current(); h.OpenURL != nil {
			h.OpenURL(m.OpenURL)
		}
	case m.Raise && m.OpenURL == "":
		if h := p.current(); h.Raise != nil {
			h.Raise()
		}
	default:
		answer(msg.InstanceMessageAsks.Err(nil))
		return
	}
	answer(nil)
}

// OpenURL hands a deep link to the first copy.
func (r *Running) OpenURL(url string) error { return r.send(message{OpenURL: url}) }

// Raise asks the first copy to bring its window to the front.
func (r *Running) Raise() error { return r.send(message{Raise: true}) }

// send delivers m with the token, trying again briefly while the first copy
// is still writing its token (it listens first, then writes it).
func (r *Running) send(m message) error {
	var err error
	for deadline := time.Now().Add(time.Second); ; {
		if err = r.sendOnce(m); err == nil || time.Now().After(deadline) || !strings.Contains(err.Error(), "token") {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *Running) sendOnce(m message) error {
	token, err := os.ReadFile(filepath.Join(r.dir, tokenName))
	if err != nil {
		return msg.InstanceCannotReadToken.Err(msg.Args{"Err": err}, err)
	}
	m.Token = strings.TrimSpace(string(token))
	conn, err := net.DialTimeout("unix", r.socket, time.Second)
	if err != nil {
		return msg.InstanceNoAnswer.Err(msg.Args{"Err": err}, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(messageTimeout)) //nolint:errcheck // a Unix socket supports deadlines
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(data)+1 > MaxMessage {
		return msg.InstanceLinkTooLong.Err(msg.Args{"Size": len(data)})
	}
	if _, err := conn.Write(append(data, '\n')); err != nil {
		return msg.InstanceNoAnswer.Err(msg.Args{"Err": err}, err)
	}
	var rep reply
	if err := json.NewDecoder(io.LimitReader(conn, MaxMessage)).Decode(&rep); err != nil {
		return msg.InstanceNoReply.Err(msg.Args{"Err": err}, err)
	}
	if !rep.OK {
		return msg.InstanceRefusedByRunning.Err(msg.Args{"Reason": msg.Detail(oneline.Clean(rep.Error, 200))})
	}
	return nil
}
