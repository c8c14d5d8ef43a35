package simnet

import "github.com/coder/websocket"

func (x *Exchange) serveWSAPI(conn *wsConn) {
	conn.close(websocket.StatusNormalClosure, "")
}

type userSub struct{}

func (x *Exchange) publishUser([]userEvent) {}
