package server

import (
	"net/http"

	"github.com/socketlab/socketlab/lab"
)

// The room's wire: the instructor sets the wire of every student's port
// in a workshop's room at once, from the dashboard.
//
//	PUT /api/workshops/{code}/wire  {"out": {…}, "in": {…}, "seed": N}: lab.RoomWire,
//	                                checked by lab.RoomWire.Check (no hold); a wire
//	                                clear both ways takes it down
//
// It applies at once to every student's port, and to those who join
// later (room.Room.SetWire), and every student's page hears of it in the
// workshop message (bridge.WorkshopMessage's Wire); while it is set, a
// student's own change of the impairments or the seed is refused
// (lab.ErrRoomWire), but pause, step, release and drop stay theirs. It is
// stored with the workshop (lab.Workshop.Wire): a workshop network
// started again, after the linger or a restart, gets it back.

// setWire applies a workshop's room wire (nil: none) to its network, if
// it runs, and tells its sessions.
func (ws *workshops) setWire(code string, rw *lab.RoomWire) error {
	ws.mu.Lock()
	lw := ws.live[code]
	if lw != nil {
		lw.wire = rw
	}
	ws.mu.Unlock()
	if lw == nil {
		return nil
	}
	// Outside ws.mu: the packets the change lets go on are sent from here.
	if err := lw.room.SetWire(rw); err != nil {
		return err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.live[code] == lw {
		ws.tellClassLocked(lw)
	}
	return nil
}

// putWire is PUT /api/workshops/{code}/wire: the wire of every student's
// port in the workshop's room, stored with the workshop. It answers with
// the class's state (classJSON).
func (s *Server) putWire(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	var rw lab.RoomWire
	if !decodeBody(w, r, &rw) {
		return
	}
	// One change at a time, so that the networks end as the store does.
	s.workshops.wireMu.Lock()
	defer s.workshops.wireMu.Unlock()
	wk, err := s.cfg.Store.UpdateWorkshop(r.Context(), wk.Code, lab.WorkshopUpdate{Wire: &rw})
	if err != nil {
		s.storeError(w, err)
		return
	}
	if err := s.workshops.setWire(wk.Code, wk.Wire); err != nil {
		s.log.Error("set a workshop's wire", "workshop", lab.FormatCode(wk.Code), "err", err)
		apiError(w, http.StatusInternalServerError, "the wire could not be set")
		return
	}
	ev := s.classEvent(wk)
	s.workshops.events.publish(wk.Code, ev)
	s.log.Info("workshop wire", "workshop", lab.FormatCode(wk.Code), "set", wk.Wire != nil)
	writeJSON(w, http.StatusOK, ev.Class)
}
