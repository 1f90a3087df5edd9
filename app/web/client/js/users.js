// Turning the usernames a person types into users (GET /users/by-username, docs/api.md, Users).

/** The distinct names in what was typed, separated by spaces or commas (a leading @ is allowed). */
export function typedUsernames(text) {
  return [...new Set(text.split(/[\s,]+/).map((name) => name.replace(/^@/, "")).filter(Boolean))];
}

/** The users called `names`; rejects with an ApiError naming the first name nobody has. */
export function findUsers(session, names) {
  return Promise.all(names.map(async (name) => {
    try {
      return await session.api("GET", `/users/by-username/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error.status === 404) error.message = `There is no user called “${name}”.`;
      throw error;
    }
  }));
}
