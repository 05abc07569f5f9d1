//! One authorization decision (EKS's chain: `system:masters`, Node, RBAC, no access
//! policies) for a user bound through one RoleBinding among 10 and among 50,000
//! RoleBindings/ClusterRoleBindings, allowed and not allowed; and the cost of indexing
//! those objects (`Rbac::new`). Run: `cargo bench -p eksim-kube-auth --bench authz`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use eksim_kube_auth::rbac::{authorize, Rbac};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let user = common::alice();
    let allowed = common::request("list", "services");
    let refused = common::request("create", "secrets");
    for n in [10, 50_000] {
        let o = common::objects(n);
        let rbac = Rbac::new(&o.roles, &o.cluster_roles, &o.role_bindings, &o.cluster_role_bindings);
        assert!(rbac.skipped().is_empty(), "{:?}", rbac.skipped());
        let yes = authorize(&user, &allowed, &rbac, None);
        assert!(yes.allowed(), "{yes:?}");
        assert!(yes.reason.contains("developers-view"), "{}", yes.reason);
        assert!(!authorize(&user, &refused, &rbac, None).allowed());

        c.bench_function(&format!("authorize among {n} bindings (allowed)"), |b| {
            b.iter(|| authorize(black_box(&user), black_box(&allowed), black_box(&rbac), None))
        });
        c.bench_function(&format!("authorize among {n} bindings (not allowed)"), |b| {
            b.iter(|| authorize(black_box(&user), black_box(&refused), black_box(&rbac), None))
        });
    }

    let mut slow = c.benchmark_group("index");
    slow.sample_size(10);
    for n in [10, 50_000] {
        let o = common::objects(n);
        slow.bench_function(format!("Rbac::new bootstrap policy + {n} bindings"), |b| {
            b.iter(|| Rbac::new(&o.roles, &o.cluster_roles, black_box(&o.role_bindings), &o.cluster_role_bindings))
        });
    }
    slow.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
