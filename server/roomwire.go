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
// kept in memory, per workshop, as the message is: a workshop network
// started again after the linger gets it back, a restarted server
// forgets it.

// setWire keeps a workshop's room wire (nil: none), applies it to its
// network if it runs, and tells its sessions.
func (ws *workshops) setWire(code string, rw *lab.RoomWire) error {
	ws.wireMu.Lock()
	defer ws.wireMu.Unlock()
	ws.mu.Lock()
	if rw == nil {
		delete(ws.wires, code)
	} else {
		ws.wires[code] = *rw
	}
	lw := ws.live[code]
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

// wireLocked is a workshop's room wire, nil if none; ws.mu is held.
func (ws *workshops) wireLocked(code string) *lab.RoomWire {
	if rw, ok := ws.wires[code]; ok {
		return &rw
	}
	return nil
}

// wire is a workshop's room wire, nil if none.
func (ws *workshops) wire(code string) *lab.RoomWire {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.wireLocked(code)
}

// putWire is PUT /api/workshops/{code}/wire: the wire of every student's
// port in the workshop's room. It answers with the class's state
// (classJSON).
func (s *Server) putWire(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	var rw lab.RoomWire
	if !decodeBody(w, r, &rw) {
		return
	}
	if err := rw.Check(); err != nil {
		apiError(w, http.StatusBadRequest, "the wire: "+err.Error())
		return
	}
	set := &rw
	if rw.Clear() {
		set = nil
	}
	if err := s.workshops.setWire(wk.Code, set); err != nil {
		apiError(w, http.StatusBadRequest, "the wire: "+err.Error())
		return
	}
	ev := s.classEvent(wk)
	s.workshops.events.publish(wk.Code, ev)
	s.log.Info("workshop wire", "workshop", lab.FormatCode(wk.Code), "set", set != nil)
	writeJSON(w, http.StatusOK, ev.Class)
}
