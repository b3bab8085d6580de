//! Just enough HTML reading to submit the forms a citizen submits: used by
//! `relais bench` and by the end-to-end tests' scripted browser.

/// The first form whose action contains `needle`: (action, hidden inputs).
pub fn form(body: &str, needle: &str) -> Option<(String, Vec<(String, String)>)> {
    for chunk in body.split("<form").skip(1) {
        let Some(action) = attr(chunk, "action") else {
            continue;
        };
        if !action.contains(needle) {
            continue;
        }
        let end = chunk.find("</form>").unwrap_or(chunk.len());
        let inputs = chunk[..end]
            .split("<input")
            .skip(1)
            .filter(|i| attr(i, "type").as_deref() == Some("hidden"))
            .filter_map(|i| Some((attr(i, "name")?, attr(i, "value").unwrap_or_default())))
            .collect();
        return Some((action, inputs));
    }
    None
}

/// An attribute of the tag starting `tag`, unescaped.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let head = &tag[..tag.find('>').unwrap_or(tag.len())];
    let pat = format!("{name}=\"");
    let i = head.find(&pat)? + pat.len();
    let j = head[i..].find('"')? + i;
    Some(unescape(&head[i..j]))
}

/// Undoes the escaping askama applies to text and attributes.
pub fn unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}
