// atlbase.h -- the few ATL pieces vshadow uses, for a mingw-w64 build.
//
// mingw-w64 ships no ATL. vshadow (through its stdafx.h) needs only:
//   CComPtr<T>      owning interface pointer (AddRef on copy, Release on drop)
//   CComQIPtr<T>    CComPtr that QueryInterfaces whatever it is given
//   CComBSTR        owning BSTR (SysFreeString on drop)
//   W2OLE, USES_CONVERSION   string conversion macros; with UNICODE,
//                   OLECHAR == WCHAR so W2OLE is the identity
// and, as a side effect vshadow depends on, the declarations of <shlwapi.h>.
// Written from the documented behaviour, not from ATL's source. Anything vshadow
// does not call is left out on purpose.

#ifndef VSSSIM_WINE_ATLBASE_H
#define VSSSIM_WINE_ATLBASE_H

#include <windows.h>
#include <ole2.h>
#include <oleauto.h>
// Real ATL includes <shlwapi.h>, and vshadow relies on that: util.h calls
// PathFileExists without including it. (Link with -lshlwapi.)
#include <shlwapi.h>

// USES_CONVERSION declares a scratch buffer for the A<->W macros in real ATL.
// The only macro vshadow uses, W2OLE, needs none in a UNICODE build.
#ifndef USES_CONVERSION
#define USES_CONVERSION do {} while (0)
#endif
#ifndef W2OLE
#define W2OLE(w) (static_cast<LPOLESTR>(w))
#endif

// Owning smart pointer to a COM interface.
template <class T>
class CComPtr {
public:
    T* p;

    CComPtr() : p(NULL) {}
    CComPtr(T* q) : p(q) { if (p) p->AddRef(); }
    CComPtr(const CComPtr& o) : p(o.p) { if (p) p->AddRef(); }
    ~CComPtr() { Release(); }

    // Assigning AddRefs the new pointer before releasing the old one, so
    // self-assignment is safe.
    T* operator=(T* q) {
        if (q) q->AddRef();
        T* old = p;
        p = q;
        if (old) old->Release();
        return p;
    }
    T* operator=(const CComPtr& o) { return *this = o.p; }

    void Release() {
        T* old = p;
        p = NULL;
        if (old) old->Release();
    }

    operator T*() const { return p; }
    T* operator->() const { return p; }
    T& operator*() const { return *p; }
    bool operator!() const { return p == NULL; }

    // Used as an out-parameter (&ptr): whatever it held is released first, so
    // reusing a CComPtr never leaks (ATL asserts it is empty instead).
    T** operator&() {
        Release();
        return &p;
    }

    void Attach(T* q) {
        Release();
        p = q;
    }
    T* Detach() {
        T* q = p;
        p = NULL;
        return q;
    }
};

// CComPtr that fills itself by QueryInterface for T from any interface pointer;
// it stays empty when the object does not implement T.
template <class T>
class CComQIPtr : public CComPtr<T> {
public:
    CComQIPtr() {}
    CComQIPtr(T* q) : CComPtr<T>(q) {}
    CComQIPtr(const CComQIPtr& o) : CComPtr<T>(o.p) {}
    CComQIPtr(IUnknown* unk) { Query(unk); }
    // vshadow copy-initialises from CComPtr<IUnknown> and from other
    // CComQIPtrs; a template constructor makes those one conversion, not two.
    template <class Q>
    CComQIPtr(const CComPtr<Q>& o) { Query(o.p); }

    T* operator=(T* q) { return CComPtr<T>::operator=(q); }
    T* operator=(const CComQIPtr& o) { return CComPtr<T>::operator=(o.p); }

private:
    void Query(IUnknown* unk) {
        if (unk) unk->QueryInterface(__uuidof(T), reinterpret_cast<void**>(&this->p));
    }
};

// Owning BSTR. Converts to BSTR for reading and gives &bstr as an out-parameter.
class CComBSTR {
public:
    BSTR m_str;

    CComBSTR() : m_str(NULL) {}
    CComBSTR(LPCOLESTR s) : m_str(s ? ::SysAllocString(s) : NULL) {}
    CComBSTR(const CComBSTR& o)
        : m_str(o.m_str ? ::SysAllocStringLen(o.m_str, ::SysStringLen(o.m_str)) : NULL) {}
    ~CComBSTR() { ::SysFreeString(m_str); }

    CComBSTR& operator=(const CComBSTR& o) {
        if (this != &o) {
            BSTR copy = o.m_str ? ::SysAllocStringLen(o.m_str, ::SysStringLen(o.m_str)) : NULL;
            ::SysFreeString(m_str);
            m_str = copy;
        }
        return *this;
    }

    operator BSTR() const { return m_str; }
    bool operator!() const { return m_str == NULL; }
    unsigned int Length() const { return ::SysStringLen(m_str); }

    // Out-parameter: frees the old string first so a reused CComBSTR does
    // not leak.
    BSTR* operator&() {
        ::SysFreeString(m_str);
        m_str = NULL;
        return &m_str;
    }
};

#endif // VSSSIM_WINE_ATLBASE_H
