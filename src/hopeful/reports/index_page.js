
(function(){
  var table=document.getElementById('towns'),body=table.tBodies[0];
  var rows=Array.prototype.slice.call(body.rows);
  var search=document.getElementById('search'),count=document.getElementById('count');
  var selects=Array.prototype.slice.call(document.querySelectorAll('select[data-col]'));
  function apply(){
    var q=search.value.trim().toLowerCase(),shown=0;
    rows.forEach(function(r){
      var ok=!q||r.getAttribute('data-search').indexOf(q)>=0;
      selects.forEach(function(s){if(ok&&s.value&&r.getAttribute('data-'+s.getAttribute('data-col'))!==s.value){ok=false;}});
      r.hidden=!ok;if(ok){shown++;}
    });
    count.textContent=shown+' of '+rows.length+' towns';
  }
  search.addEventListener('input',apply);
  selects.forEach(function(s){s.addEventListener('change',apply);});
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=th.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var numeric=th.getAttribute('data-type')==='num';
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-value'),y=b.cells[i].getAttribute('data-value');
        if(numeric){x=x===''?Infinity:parseFloat(x);y=y===''?Infinity:parseFloat(y);return asc?x-y:y-x;}
        return asc?x.localeCompare(y):y.localeCompare(x);
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  apply();
})();
