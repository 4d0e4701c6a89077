#pragma once
// httplib::Server with taskmock's own loop over the requests of a connection.
//
// cpp-httplib 0.11 (Debian 12) left these open to any client:
// - it buffers a request line or a header line of any length, any number of
//   header lines and a chunked body of any size;
// - it reads and drops a declared body of any size before answering 413;
// - its read timeout is per read, so a client sending a byte now and then
//   keeps a worker for ever;
// - it gives each request of a connection a fresh read buffer, so requests
//   pipelined behind the first one in the same packet were lost;
// - after answering a request it could not parse, it kept the connection
//   and read the rest of that request as the next one.
// The loop here reads through a stream that holds each request to the limits
// below and to one deadline, keeps its buffer for the whole connection, and
// closes the connection after any answer httplib gives on its own.

#include <cstddef>

#include <httplib.h>

namespace taskmock {

// httplib answers 414 for a request line over 8,192 bytes (with its CRLF).
// Over these limits the answer is 431 Request Header Fields Too Large:
inline constexpr std::size_t kMaxHeaderLineBytes = 8192;  // one header line, with its CRLF
inline constexpr std::size_t kMaxHeadBytes = 64 * 1024;   // request line and header lines together
inline constexpr std::size_t kMaxHeaderLines = 100;

class ConnectionServer : public httplib::Server {
public:
    // Installs the post-routing handler, which sets the status of a refused
    // request and closes the connection after httplib's own answers.
    ConnectionServer();
    // It must stay in place: replacing it would keep connections open after
    // a request was refused half-read.
    Server& set_post_routing_handler(Handler handler) = delete;

private:
    // Called by httplib's accept loop on a worker for each new connection.
    bool process_and_close_socket(socket_t sock) override;
};

// For handlers of a ConnectionServer: the request reached taskmock's own
// code, so an error status is taskmock's answer and the connection may stay
// open. body_read: httplib has read the request's body (false for handlers
// that answer before routing; a body sent with such a request then closes the
// connection, since its bytes were never read).
void note_request_handled(const httplib::Request& request, bool body_read);

}  // namespace taskmock
