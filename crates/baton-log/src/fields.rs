//! Which request-scoped locals an event is stamped with: the selection a layer is built with,
//! read from the current context when each event is written.

use std::fmt;

use baton_context::Local;

/// The locals chosen with `with_local`, in the order they were added.
#[derive(Clone, Default)]
pub(crate) struct Fields(Vec<&'static dyn Field>);

impl Fields {
    pub(crate) fn push<T>(&mut self, local: &'static Local<T>)
    where
        T: fmt::Display + Send + Sync + 'static,
    {
        self.0.push(local);
    }

    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|field| field.name()).collect()
    }

    /// Calls `f` with the name and current value of every chosen local that has one, in order.
    pub(crate) fn for_each_present(
        &self,
        mut f: impl FnMut(&'static str, &dyn fmt::Display) -> fmt::Result,
    ) -> fmt::Result {
        for field in &self.0 {
            field.read(&mut |value| f(field.name(), value))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// A named value read from the current context at log time: the object-safe face of
/// [`Local<T>`] for `T: Display`, so one layer can hold locals of different types.
trait Field: Sync {
    fn name(&self) -> &'static str;

    /// Calls `f` with the current value, if there is one.
    fn read(&'static self, f: &mut dyn FnMut(&dyn fmt::Display) -> fmt::Result) -> fmt::Result;
}

impl<T: fmt::Display + Send + Sync + 'static> Field for Local<T> {
    fn name(&self) -> &'static str {
        Local::name(self)
    }

    fn read(&'static self, f: &mut dyn FnMut(&dyn fmt::Display) -> fmt::Result) -> fmt::Result {
        self.with(|value| value.map_or(Ok(()), |value| f(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static REQUEST_ID: Local<u32> = Local::new("request_id");
    static TENANT: Local<&'static str> = Local::new("tenant");
    static REGION: Local<&'static str> = Local::new("region").with_default(|| "eu");

    fn present(fields: &Fields) -> Vec<String> {
        let mut seen = Vec::new();
        fields
            .for_each_present(|name, value| {
                seen.push(format!("{name}={value}"));
                Ok(())
            })
            .unwrap();
        seen
    }

    #[test]
    fn reads_present_locals_in_order_and_skips_absent_ones() {
        let mut fields = Fields::default();
        fields.push(&TENANT);
        fields.push(&REQUEST_ID);
        fields.push(&REGION);
        assert_eq!(fields.names(), ["tenant", "request_id", "region"]);

        assert_eq!(present(&fields), ["region=eu"]);
        REQUEST_ID.sync_scope(7, || {
            TENANT.sync_scope("acme", || {
                assert_eq!(
                    present(&fields),
                    ["tenant=acme", "request_id=7", "region=eu"]
                );
            });
        });
    }
}
