#[test]
#[ignore]
fn count() {
    let root = std::path::Path::new("/work/wt6/bench/.cache/corpus");
    let mut stack = vec![root.to_path_buf()];
    let (mut files, mut calls, mut callees, mut callee_bytes, mut defs, mut methods) = (0, 0, 0, 0, 0, 0);
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p); continue; }
            if p.extension().is_some_and(|e| e == "py") {
                let bytes = std::fs::read(&p).unwrap();
                let tops = ["django", "sqlalchemy", "sympy", "ansible", "salt", "tests", "test", "lib"];
                let Ok(f) = ssot_python::facts_from_bytes_with(&bytes, ssot_python::SourceKind::Python, &|m: &str| tops.contains(&m.split('.').next().unwrap())) else { continue };
                files += 1; calls += f.calls.len(); callees += f.callees.len();
                callee_bytes += f.callees.iter().map(|c| c.len()).sum::<usize>();
                defs += f.definitions.len();
                methods += f.definitions.iter().filter_map(|d| d.class.as_ref()).map(|c| c.methods.len()).sum::<usize>();
                if files >= 5000 { break; }
            }
        }
        if files >= 5000 { break; }
    }
    eprintln!("files {files} calls {calls} callees {callees} callee_bytes {callee_bytes} defs {defs} methods {methods}");
}
