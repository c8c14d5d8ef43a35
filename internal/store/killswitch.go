package store

import (
	"context"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/risk"
)

// KillSwitchStore returns a risk.KillSwitchStore kept in the database: each
// Save stores the state and journals the trip or reset in one transaction.
// ctx bounds every call.
func (s *Store) KillSwitchStore(ctx context.Context) risk.KillSwitchStore {
	return &killSwitchStore{ctx: ctx, s: s}
}

type killSwitchStore struct {
	ctx context.Context
	s   *Store
}

func (k *killSwitchStore) Load() (risk.KillSwitchState, bool, error) {
	return k.s.KillSwitch(k.ctx)
}

func (k *killSwitchStore) Save(st risk.KillSwitchState) error {
	return k.s.Update(k.ctx, func(tx *Tx) error {
		if err := tx.PutKillSwitch(st); err != nil {
			return err
		}
		_, err := tx.Journal(KillSwitchEntry(st))
		return err
	})
}

// KillSwitchEntry is the journal entry for a kill-switch change.
func KillSwitchEntry(st risk.KillSwitchState) journal.Entry {
	kind := journal.KindKillReset
	if st.Tripped {
		kind = journal.KindKillTrip
	}
	actor := st.By
	if actor == "" {
		actor = "risk"
	}
	return journal.Entry{Time: st.At, Actor: actor, Kind: kind, Data: map[string]any{
		"tripped": st.Tripped, "cause": st.Cause, "reason": st.Reason}}
}
