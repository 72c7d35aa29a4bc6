//go:build windows

package register

import (
	"errors"

	"golang.org/x/sys/windows/registry"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// registerAtFirstRun: see AtFirstRun.
const registerAtFirstRun = true

// classKey is where a per-user URL scheme lives; no administrator needed.
const classKey = `Software\Classes\` + Scheme

func command(exe string) string { return `"` + exe + `" "%1"` }

func register(exe string) error {
	root, _, err := registry.CreateKey(registry.CURRENT_USER, classKey, registry.ALL_ACCESS)
	if err != nil {
		return msg.RegisterCannotWriteKey.Err(msg.Args{"Key": classKey, "Err": err}, err)
	}
	defer root.Close()
	if err := root.SetStringValue("", "URL:QEX Companion"); err != nil {
		return err
	}
	if err := root.SetStringValue("URL Protocol", ""); err != nil {
		return err
	}
	icon, _, err := registry.CreateKey(root, "DefaultIcon", registry.ALL_ACCESS)
	if err != nil {
		return err
	}
	defer icon.Close()
	if err := icon.SetStringValue("", `"`+exe+`",0`); err != nil {
		return err
	}
	cmd, _, err := registry.CreateKey(root, `shell\open\command`, registry.ALL_ACCESS)
	if err != nil {
		return err
	}
	defer cmd.Close()
	return cmd.SetStringValue("", command(exe))
}

func unregister() error {
	// Keys go bottom-up: Windows deletes only keys without subkeys.
	for _, sub := range []string{`\shell\open\command`, `\shell\open`, `\shell`, `\DefaultIcon`, ``} {
		err := registry.DeleteKey(registry.CURRENT_USER, classKey+sub)
		if err != nil && !errors.Is(err, registry.ErrNotExist) {
			return msg.RegisterCannotRemoveKey.Err(msg.Args{"Key": classKey + sub, "Err": err}, err)
		}
	}
	return nil
}

func check(exe string) Status {
	k, err := registry.OpenKey(registry.CURRENT_USER, classKey+`\shell\open\command`, registry.QUERY_VALUE)
	if err != nil {
		return Status{Detail: msg.RegisterNoHandler.New(msg.Args{"Scheme": Scheme})}
	}
	defer k.Close()
	got, _, err := k.GetStringValue("")
	if err != nil || got != command(exe) {
		return Status{Detail: msg.RegisterOtherProgram.New(msg.Args{"Scheme": Scheme, "Handler": got})}
	}
	return Status{Registered: true, Detail: msg.RegisterRegistered.New(msg.Args{"Scheme": Scheme})}
}
