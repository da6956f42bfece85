// The statements prepared on one server connection (PgConn::send_prepared): the name each SQL
// text has there. Pure bookkeeping, unit-tested alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace tend::pg {

// Names are never reused on a connection: a statement forgotten after an error (its name may
// linger on the server) is prepared again under a new one. They start with a prefix unique to
// the connection's owner, so that behind a pooler nobody else's statement of the same name is
// ever run. Only the fixed statement texts of the store come here, so the map stays as small
// as that list.
class PreparedNames {
  public:
    explicit PreparedNames(std::string prefix) : prefix_(std::move(prefix)) {}
    // The name `sql` has on this connection, or nullptr when it is not prepared.
    const std::string* find(std::string_view sql) const;
    // Names `sql`, which is not prepared yet, and returns the new name.
    const std::string& add(std::string_view sql);
    // Whether a statement of that name is prepared (not forgotten).
    bool has_name(const std::string& name) const;
    // Forgets the statement of that name (its Parse failed, or the server lost its plan).
    void forget_name(const std::string& name);
    // The connection closed: nothing is prepared on the next one.
    void clear() { by_sql_.clear(); }
    std::size_t size() const { return by_sql_.size(); }

  private:
    std::string prefix_;
    std::map<std::string, std::string, std::less<>> by_sql_;
    std::uint64_t next_ = 1;
};

}  // namespace tend::pg
