// PreparedNames: which statement texts are prepared on a connection, and under what name.
#include "queue/pg/pg_model_prepared.hpp"

namespace tend::pg {

const std::string* PreparedNames::find(std::string_view sql) const {
    auto it = by_sql_.find(sql);
    return it == by_sql_.end() ? nullptr : &it->second;
}

const std::string& PreparedNames::add(std::string_view sql) {
    auto [it, fresh] = by_sql_.try_emplace(std::string(sql));
    if (fresh) it->second = prefix_ + std::to_string(next_++);
    return it->second;
}

bool PreparedNames::has_name(const std::string& name) const {
    for (const auto& [sql, n] : by_sql_)
        if (n == name) return true;
    return false;
}

void PreparedNames::forget_name(const std::string& name) {
    for (auto it = by_sql_.begin(); it != by_sql_.end(); ++it)
        if (it->second == name) {
            by_sql_.erase(it);
            return;
        }
}

}  // namespace tend::pg
